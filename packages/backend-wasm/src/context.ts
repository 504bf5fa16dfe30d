import type { DType, Storage, TypedArray } from '@nn/tensor';
import type { Heap, WasmStorage } from './heap.js';
import type { KernelExports } from './kernels.js';
import { arrayOf, elementBytes } from './strided.js';

/** What every kernel needs: the heap (allocator + views) and the wasm exports of this thread. */
export interface Ctx {
  readonly heap: Heap;
  readonly k: KernelExports;
  /** gemm scratch (one block per thread, grown on demand). */
  scratch(thread: number): number;
}

export function allocOut(ctx: Ctx, size: number, dtype: DType): WasmStorage {
  return ctx.heap.alloc(size * elementBytes(dtype));
}

/** The result of a JavaScript reference kernel, copied into a new heap block. */
export function fromHost(ctx: Ctx, values: TypedArray, dtype: DType): WasmStorage {
  const out = allocOut(ctx, values.length, dtype);
  arrayOf(ctx.heap, dtype).set(values, out.ptr / elementBytes(dtype));
  return out;
}

export function asStorage(s: Storage): WasmStorage {
  return s as WasmStorage;
}

/** Runs `fn` with `words` i32 of scratch (layout metadata for a kernel), freed afterwards. */
export function withMeta<T>(
  ctx: Ctx,
  values: readonly number[],
  extraWords: number,
  fn: (meta: number, extra: number) => T,
): T {
  const bytes = (values.length + extraWords) * 4;
  const ptr = ctx.heap.allocBytes(bytes);
  try {
    ctx.heap.i32.set(values, ptr >> 2);
    return fn(ptr, ptr + values.length * 4);
  } finally {
    ctx.heap.freeBytes(ptr, bytes);
  }
}
