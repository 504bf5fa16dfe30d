import type { ReduceOp, TensorView, TypedArray } from '@nn/tensor';
import { alloc, makeNest, offsetsOf, Rows, rowsOf, sizeOfShape } from './strided.js';

/** One run: folds x[ix], x[ix+sx], ... into acc[io], acc[io+so], ... (so is 0 when the run is reduced). */
type Row = (
  acc: Float64Array,
  io: number,
  so: number,
  x: TypedArray,
  ix: number,
  sx: number,
  n: number,
) => void;

const sumRow: Row = (acc, io, so, x, ix, sx, n) => {
  if (so === 0) {
    let s = acc[io];
    for (let j = 0; j < n; j++, ix += sx) s += x[ix];
    acc[io] = s;
  } else {
    for (let j = 0; j < n; j++, ix += sx, io += so) acc[io] += x[ix];
  }
};

const prodRow: Row = (acc, io, so, x, ix, sx, n) => {
  if (so === 0) {
    let p = acc[io];
    for (let j = 0; j < n; j++, ix += sx) p *= x[ix];
    acc[io] = p;
  } else {
    for (let j = 0; j < n; j++, ix += sx, io += so) acc[io] *= x[ix];
  }
};

// int32 products wrap like PyTorch's; a double product would lose low bits first.
const prodIntRow: Row = (acc, io, so, x, ix, sx, n) => {
  for (let j = 0; j < n; j++, ix += sx, io += so) acc[io] = Math.imul(acc[io], x[ix]);
};

// NaN wins and stays, as in PyTorch: once m is NaN no comparison replaces it.
const maxRow: Row = (acc, io, so, x, ix, sx, n) => {
  if (so === 0) {
    let m = acc[io];
    for (let j = 0; j < n; j++, ix += sx) {
      const v = x[ix];
      if (v > m || Number.isNaN(v)) m = v;
    }
    acc[io] = m;
    return;
  }
  for (let j = 0; j < n; j++, ix += sx, io += so) {
    const v = x[ix];
    const m = acc[io];
    if (v > m || Number.isNaN(v)) acc[io] = v;
  }
};

const minRow: Row = (acc, io, so, x, ix, sx, n) => {
  if (so === 0) {
    let m = acc[io];
    for (let j = 0; j < n; j++, ix += sx) {
      const v = x[ix];
      if (v < m || Number.isNaN(v)) m = v;
    }
    acc[io] = m;
    return;
  }
  for (let j = 0; j < n; j++, ix += sx, io += so) {
    const v = x[ix];
    const m = acc[io];
    if (v < m || Number.isNaN(v)) acc[io] = v;
  }
};

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

export function reduce(op: ReduceOp, x: TensorView, axes: readonly number[]): TypedArray {
  const shape = x.shape;
  const outShape: number[] = [];
  const outStrides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    outStrides[d] = acc;
    acc *= shape[d];
  }
  for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) outShape.push(shape[d]);
  const outSize = sizeOfShape(outShape);
  const out = alloc(x.dtype, outSize);
  if (outSize === 0) return out;
  const accum = new Float64Array(outSize).fill(INIT[op]);
  if (sizeOfShape(shape) > 0) {
    const row =
      op === 'sum'
        ? sumRow
        : op === 'prod'
          ? x.dtype === 'int32'
            ? prodIntRow
            : prodRow
          : op === 'max'
            ? maxRow
            : minRow;
    const src = x.storage as TypedArray;
    const nest = makeNest(shape, [outStrides, x.strides]);
    const rows = new Rows(nest, [0, x.offset]);
    const count = rowsOf(nest);
    const n = nest.inner;
    const so = nest.innerStrides[0];
    const sx = nest.innerStrides[1];
    const off = rows.offsets;
    for (let r = 0; r < count; r++) {
      row(accum, off[0], so, src, off[1], sx, n);
      rows.next();
    }
  }
  out.set(accum);
  return out;
}

/** Shape and strides of a view with `axis` taken out, for walking the lines along it. */
export function withoutAxis(
  shape: readonly number[],
  strides: readonly number[],
  axis: number,
): { shape: number[]; strides: number[] } {
  return { shape: shape.filter((_, i) => i !== axis), strides: strides.filter((_, i) => i !== axis) };
}

export function argReduce(op: 'argmax' | 'argmin', x: TensorView, axis: number): Int32Array {
  const rest = withoutAxis(x.shape, x.strides, axis);
  const count = sizeOfShape(rest.shape);
  const out = new Int32Array(count);
  const len = x.shape[axis];
  if (count === 0 || len === 0) return out;
  const starts = offsetsOf(rest.shape, rest.strides, x.offset);
  const s = x.strides[axis];
  const src = x.storage as TypedArray;
  const max = op === 'argmax';
  for (let t = 0; t < count; t++) {
    let i = starts[t];
    let best = src[i];
    let at = 0;
    // The first NaN counts as the extreme (PyTorch); strict comparisons keep the first of ties.
    if (!Number.isNaN(best)) {
      i += s;
      for (let j = 1; j < len; j++, i += s) {
        const v = src[i];
        if (Number.isNaN(v)) {
          at = j;
          break;
        }
        if (max ? v > best : v < best) {
          best = v;
          at = j;
        }
      }
    }
    out[t] = at;
  }
  return out;
}
