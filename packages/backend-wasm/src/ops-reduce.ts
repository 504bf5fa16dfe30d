import { type ReduceOp, sizeOf, type TensorView } from '@nn/tensor';
import { allocOut, type Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr, isContiguousView, offsets } from './strided.js';

const CODES: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3 };

/** [outer, r, inner] when the reduced axes are one consecutive run of a contiguous view. */
function asBlock(x: TensorView, axes: readonly number[]): [number, number, number] | null {
  if (!isContiguousView(x.shape, x.strides) || axes.length === 0) return null;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  return [
    sizeOf(x.shape.slice(0, first)),
    sizeOf(x.shape.slice(first, last + 1)),
    sizeOf(x.shape.slice(last + 1)),
  ];
}

/** Consecutive runs of sorted axes: [0, 2, 3] -> [[0, 0], [2, 3]]. */
function runsOf(axes: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === a - 1) last[1] = a;
    else runs.push([a, a]);
  }
  return runs;
}

/**
 * Several runs of axes of a contiguous float32 view (a conv bias gradient sums [0, 2, 3]):
 * one block reduction per run, innermost first, through temporary buffers.
 */
function reduceRuns(ctx: Ctx, op: ReduceOp, x: TensorView, runs: [number, number][], out: WasmStorage): void {
  let shape = [...x.shape];
  let src = basePtr(x);
  let tmp: [number, number] | null = null;
  for (let k = runs.length - 1; k >= 0; k--) {
    const [first, last] = runs[k];
    const next = [...shape.slice(0, first), ...shape.slice(last + 1)];
    const bytes = Math.max(4, sizeOf(next) * 4);
    const dst = k === 0 ? out.ptr : ctx.heap.allocBytes(bytes);
    ctx.k.reduceF32(
      CODES[op],
      dst,
      src,
      sizeOf(shape.slice(0, first)),
      sizeOf(shape.slice(first, last + 1)),
      sizeOf(shape.slice(last + 1)),
    );
    if (tmp) ctx.heap.freeBytes(tmp[0], tmp[1]);
    tmp = k === 0 ? null : [dst, bytes];
    src = dst;
    shape = next;
  }
}

export function reduce(ctx: Ctx, op: ReduceOp, x: TensorView, axes: readonly number[]): WasmStorage {
  const keptShape = x.shape.filter((_, i) => !axes.includes(i));
  const n = sizeOf(keptShape);
  const out = allocOut(ctx, n, x.dtype);
  if (n === 0) return out;
  const block = x.dtype === 'float32' ? asBlock(x, axes) : null;
  if (block) {
    ctx.k.reduceF32(CODES[op], out.ptr, basePtr(x), block[0], block[1], block[2]);
    return out;
  }
  if (x.dtype === 'float32' && axes.length > 1 && isContiguousView(x.shape, x.strides)) {
    reduceRuns(ctx, op, x, runsOf(axes), out);
    return out;
  }
  const redShape = x.shape.filter((_, i) => axes.includes(i));
  const oo = offsets(
    keptShape,
    x.strides.filter((_, i) => !axes.includes(i)),
  );
  const ro = offsets(
    redShape,
    x.strides.filter((_, i) => axes.includes(i)),
  );
  const a = arrayOf(ctx.heap, x.dtype);
  const xb = baseIndex(x);
  const db = baseIndex({ storage: out, dtype: x.dtype, shape: [n], strides: [1], offset: 0 });
  const r = ro.length;
  for (let o = 0; o < n; o++) {
    const base = xb + oo[o];
    let acc: number;
    if (op === 'sum') {
      acc = 0;
      for (let j = 0; j < r; j++) acc += a[base + ro[j]];
    } else if (op === 'prod') {
      acc = 1;
      for (let j = 0; j < r; j++) acc *= a[base + ro[j]];
    } else {
      acc = a[base + ro[0]];
      for (let j = 1; j < r && !Number.isNaN(acc); j++) {
        const v = a[base + ro[j]];
        if (Number.isNaN(v) || (op === 'max' ? v > acc : v < acc)) acc = v;
      }
    }
    a[db + o] = acc;
  }
  return out;
}

export function argReduce(ctx: Ctx, op: 'argmax' | 'argmin', x: TensorView, axis: number): WasmStorage {
  const keptShape = x.shape.filter((_, i) => i !== axis);
  const n = sizeOf(keptShape);
  const out = allocOut(ctx, n, 'int32');
  const oo = offsets(
    keptShape,
    x.strides.filter((_, i) => i !== axis),
  );
  const len = x.shape[axis];
  const st = x.strides[axis];
  const a = arrayOf(ctx.heap, x.dtype);
  const xb = baseIndex(x);
  const i32 = ctx.heap.i32;
  const db = out.ptr >> 2;
  const isMax = op === 'argmax';
  for (let o = 0; o < n; o++) {
    const base = xb + oo[o];
    let best = a[base];
    let bi = 0;
    // The first NaN wins, as in PyTorch.
    for (let j = 1; j < len && !Number.isNaN(best); j++) {
      const v = a[base + j * st];
      if (Number.isNaN(v) || (isMax ? v > best : v < best)) {
        best = v;
        bi = j;
      }
    }
    i32[db + o] = bi;
  }
  return out;
}
