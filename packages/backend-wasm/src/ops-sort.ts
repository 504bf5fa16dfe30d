import { sizeOf, type TensorView } from '@nn/tensor';
import { argsortContiguous } from '@nn/tensor/internal';
import { allocOut, type Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { cast } from './ops-elementwise.js';
import { arrayOf, baseIndex, isContiguousView } from './strided.js';

/** Stable argsort along `axis`, on the host over the heap (sorting needs no wasm kernel to be fast enough). */
export function argsort(ctx: Ctx, x: TensorView, axis: number, descending: boolean): WasmStorage {
  const n = sizeOf(x.shape);
  const packed = isContiguousView(x.shape, x.strides);
  const temp = packed ? null : cast(ctx, x, x.dtype);
  const out = allocOut(ctx, n, 'int32');
  // Views are taken after the last allocation: growing memory detaches older ones.
  const src = arrayOf(ctx.heap, x.dtype);
  const start = temp ? baseIndex({ ...x, storage: temp, offset: 0 }) : baseIndex(x);
  const outStart = baseIndex({ storage: out, dtype: 'int32', shape: [n], strides: [1], offset: 0 });
  if (n > 0) argsortContiguous(src, start, x.shape, axis, descending, ctx.heap.i32, outStart);
  if (temp) ctx.heap.free(temp);
  return out;
}
