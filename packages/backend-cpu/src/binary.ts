import type { BinaryOp, TensorView, TypedArray } from '@nn/tensor';
import { COMPARISON_OPS } from '@nn/tensor';
import { alloc, contiguousStridesOf, makeNest, Rows, rowsOf, sizeOfShape, stridesFor } from './strided.js';
import { powC } from './unary.js';

/** One run: out[o..o+n) from a[ia], a[ia+sa], ... and b[ib], b[ib+sb], ... */
type Row = (
  out: TypedArray,
  o: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  n: number,
) => void;

const ROWS: Record<BinaryOp, Row> = {
  add: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] + b[ib];
  },
  sub: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] - b[ib];
  },
  mul: (out, o, a, ia, sa, b, ib, sb, n) => {
    if (out instanceof Int32Array) {
      // int32 products wrap like PyTorch's; a double product would round first.
      for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = Math.imul(a[ia], b[ib]);
    } else {
      for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] * b[ib];
    }
  },
  div: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] / b[ib];
  },
  pow: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = powC(a[ia], b[ib]);
  },
  maximum: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) {
      const x = a[ia];
      const y = b[ib];
      out[o + j] = x > y || Number.isNaN(x) ? x : y;
    }
  },
  minimum: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) {
      const x = a[ia];
      const y = b[ib];
      out[o + j] = x < y || Number.isNaN(x) ? x : y;
    }
  },
  eq: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] === b[ib] ? 1 : 0;
  },
  ne: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] !== b[ib] ? 1 : 0;
  },
  lt: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] < b[ib] ? 1 : 0;
  },
  le: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] <= b[ib] ? 1 : 0;
  },
  gt: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] > b[ib] ? 1 : 0;
  },
  ge: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] >= b[ib] ? 1 : 0;
  },
  logicalAnd: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] !== 0 && b[ib] !== 0 ? 1 : 0;
  },
  logicalOr: (out, o, a, ia, sa, b, ib, sb, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] !== 0 || b[ib] !== 0 ? 1 : 0;
  },
};

interface Operand {
  data: TypedArray;
  strides: number[];
  offset: number;
}

/** A view read as the broadcast `shape`, or a number as a one-element operand with stride 0. */
function operand(v: TensorView | number, shape: readonly number[]): Operand {
  if (typeof v === 'number') return { data: new Float64Array([v]), strides: shape.map(() => 0), offset: 0 };
  return { data: v.storage as TypedArray, strides: stridesFor(v.shape, v.strides, shape), offset: v.offset };
}

export function binary(
  op: BinaryOp,
  a: TensorView | number,
  b: TensorView | number,
  outShape: readonly number[],
): TypedArray {
  const dtype = COMPARISON_OPS.has(op) ? 'bool' : typeof a === 'number' ? (b as TensorView).dtype : a.dtype;
  const size = sizeOfShape(outShape);
  const out = alloc(dtype, size);
  if (size === 0) return out;
  const A = operand(a, outShape);
  const B = operand(b, outShape);
  const nest = makeNest(outShape, [contiguousStridesOf(outShape), A.strides, B.strides]);
  const rows = new Rows(nest, [0, A.offset, B.offset]);
  const count = rowsOf(nest);
  const n = nest.inner;
  const sa = nest.innerStrides[1];
  const sb = nest.innerStrides[2];
  const row = ROWS[op];
  const off = rows.offsets;
  for (let r = 0; r < count; r++) {
    row(out, off[0], A.data, off[1], sa, B.data, off[2], sb, n);
    rows.next();
  }
  return out;
}

export function where(
  cond: TensorView,
  a: TensorView,
  b: TensorView,
  outShape: readonly number[],
): TypedArray {
  const size = sizeOfShape(outShape);
  const out = alloc(a.dtype, size);
  if (size === 0) return out;
  const c = cond.storage as TypedArray;
  const x = a.storage as TypedArray;
  const y = b.storage as TypedArray;
  const nest = makeNest(outShape, [
    contiguousStridesOf(outShape),
    stridesFor(cond.shape, cond.strides, outShape),
    stridesFor(a.shape, a.strides, outShape),
    stridesFor(b.shape, b.strides, outShape),
  ]);
  const rows = new Rows(nest, [0, cond.offset, a.offset, b.offset]);
  const count = rowsOf(nest);
  const n = nest.inner;
  const [, sc, sx, sy] = nest.innerStrides;
  const off = rows.offsets;
  for (let r = 0; r < count; r++) {
    let o = off[0];
    let ic = off[1];
    let ix = off[2];
    let iy = off[3];
    for (let j = 0; j < n; j++, ic += sc, ix += sx, iy += sy) out[o++] = c[ic] !== 0 ? x[ix] : y[iy];
    rows.next();
  }
  return out;
}
