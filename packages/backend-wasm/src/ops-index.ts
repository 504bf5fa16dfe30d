import { type DType, sizeOf, type TensorView } from '@nn/tensor';
import { allocOut, type Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, isContiguousView, offsets } from './strided.js';

function outIndex(out: WasmStorage, dtype: DType): number {
  return baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
}

export function concat(
  ctx: Ctx,
  inputs: readonly TensorView[],
  axis: number,
  outShape: readonly number[],
): WasmStorage {
  const dtype = inputs[0].dtype;
  const n = sizeOf(outShape);
  const out = allocOut(ctx, n, dtype);
  const a = arrayOf(ctx.heap, dtype);
  const db = outIndex(out, dtype);
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const rowOut = outShape[axis] * inner;
  let start = 0;
  for (const x of inputs) {
    const row = x.shape[axis] * inner;
    const offs = offsets(x.shape, x.strides);
    const xb = baseIndex(x);
    for (let o = 0; o < outer; o++) {
      const d = db + o * rowOut + start;
      const s = o * row;
      for (let q = 0; q < row; q++) a[d + q] = a[xb + offs[s + q]];
    }
    start += row;
  }
  return out;
}

/** dim 0 of a contiguous x, with an index read along dim 0 only and the full row width. */
function isRowSelect(x: TensorView, dim: number, index: TensorView): boolean {
  if (dim !== 0 || x.shape.length === 0 || !isContiguousView(x.shape, x.strides)) return false;
  for (let i = 1; i < index.shape.length; i++) {
    if (index.strides[i] !== 0 || index.shape[i] !== x.shape[i]) return false;
  }
  return true;
}

export function gather(ctx: Ctx, x: TensorView, dim: number, index: TensorView): WasmStorage {
  const n = sizeOf(index.shape);
  const out = allocOut(ctx, n, x.dtype);
  const a = arrayOf(ctx.heap, x.dtype);
  const i32 = ctx.heap.i32;
  const db = outIndex(out, x.dtype);
  if (n > 0 && isRowSelect(x, dim, index)) {
    // indexSelect along dim 0 of a contiguous tensor (a data loader picking a batch): whole rows.
    const row = sizeOf(x.shape.slice(1));
    const xb = baseIndex(x);
    const ib = baseIndex(index);
    for (let r = 0; r < index.shape[0]; r++) {
      const src = xb + i32[ib + r * index.strides[0]] * row;
      a.copyWithin(db + r * row, src, src + row);
    }
    return out;
  }
  const xs = x.strides.map((s, i) => (i === dim ? 0 : s));
  const xo = offsets(index.shape, xs);
  const io = offsets(index.shape, index.strides);
  const xb = baseIndex(x);
  const ib = baseIndex(index);
  const sd = x.strides[dim] ?? 0;
  for (let i = 0; i < n; i++) a[db + i] = a[xb + xo[i] + i32[ib + io[i]] * sd];
  return out;
}

export function scatterAdd(
  ctx: Ctx,
  shape: readonly number[],
  dim: number,
  index: TensorView,
  src: TensorView,
): WasmStorage {
  const total = sizeOf(shape);
  const dtype = src.dtype;
  const out = allocOut(ctx, total, dtype);
  const a = arrayOf(ctx.heap, dtype);
  const db = outIndex(out, dtype);
  a.fill(0, db, db + total);
  const n = sizeOf(index.shape);
  const outStrides: number[] = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    outStrides[i] = s;
    s *= shape[i];
  }
  const sd = outStrides[dim] ?? 0;
  const oo = offsets(
    index.shape,
    outStrides.map((v, i) => (i === dim ? 0 : v)),
  );
  const io = offsets(index.shape, index.strides);
  const so = offsets(
    index.shape,
    src.strides.length === index.shape.length ? src.strides : index.shape.map(() => 0),
  );
  const i32 = ctx.heap.i32;
  const ib = baseIndex(index);
  const sb = baseIndex(src);
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) if (a[sb + so[i]]) a[db + oo[i] + i32[ib + io[i]] * sd] = 1;
  } else {
    for (let i = 0; i < n; i++) a[db + oo[i] + i32[ib + io[i]] * sd] += a[sb + so[i]];
  }
  return out;
}
