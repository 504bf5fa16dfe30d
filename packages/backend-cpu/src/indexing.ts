import type { DType, TensorView, TypedArray } from '@nn/tensor';
import { alloc, contiguousStridesOf, copyStrided, makeNest, Rows, rowsOf, sizeOfShape } from './strided.js';

/** out[pos] = x[pos with coordinate `dim` replaced by index[pos]]; out has the index's shape. */
export function gather(x: TensorView, dim: number, index: TensorView): TypedArray {
  const size = sizeOfShape(index.shape);
  const out = alloc(x.dtype, size);
  if (size === 0) return out;
  const src = x.storage as TypedArray;
  const idx = index.storage as Int32Array;
  const base = x.strides.map((s, i) => (i === dim ? 0 : s));
  const step = x.strides[dim];
  const nest = makeNest(index.shape, [contiguousStridesOf(index.shape), index.strides, base]);
  const rows = new Rows(nest, [0, index.offset, x.offset]);
  const count = rowsOf(nest);
  const n = nest.inner;
  const si = nest.innerStrides[1];
  const sx = nest.innerStrides[2];
  const off = rows.offsets;
  for (let r = 0; r < count; r++) {
    let o = off[0];
    let ii = off[1];
    let ix = off[2];
    for (let j = 0; j < n; j++, ii += si, ix += sx) out[o++] = src[ix + idx[ii] * step];
    rows.next();
  }
  return out;
}

/** zeros(shape) plus src[pos] added at pos with coordinate `dim` replaced by index[pos]. */
export function scatterAdd(
  shape: readonly number[],
  dim: number,
  index: TensorView,
  src: TensorView,
): TypedArray {
  const outSize = sizeOfShape(shape);
  const out = alloc(src.dtype, outSize);
  const n0 = sizeOfShape(index.shape);
  if (outSize === 0 || n0 === 0) return out;
  // Sums gather in doubles so float32 results round once, whatever the number of collisions.
  const acc = new Float64Array(outSize);
  const s = src.storage as TypedArray;
  const idx = index.storage as Int32Array;
  const outStrides = contiguousStridesOf(shape);
  const step = outStrides[dim];
  const base = outStrides.map((v, i) => (i === dim ? 0 : v));
  const srcStrides = src.strides.slice(0, index.shape.length);
  const nest = makeNest(index.shape, [base, index.strides, srcStrides]);
  const rows = new Rows(nest, [0, index.offset, src.offset]);
  const count = rowsOf(nest);
  const n = nest.inner;
  const [so, si, ss] = nest.innerStrides;
  const off = rows.offsets;
  for (let r = 0; r < count; r++) {
    let o = off[0];
    let ii = off[1];
    let is = off[2];
    for (let j = 0; j < n; j++, o += so, ii += si, is += ss) acc[o + idx[ii] * step] += s[is];
    rows.next();
  }
  out.set(acc);
  return out;
}

/** Each input copied into its slab of the contiguous output along `axis`. */
export function concat(inputs: readonly TensorView[], axis: number, outShape: readonly number[]): TypedArray {
  const dtype = inputs[0].dtype;
  const out = alloc(dtype, sizeOfShape(outShape));
  const strides = contiguousStridesOf(outShape);
  let at = 0;
  for (const x of inputs) {
    copyStrided(
      out,
      strides,
      at * strides[axis],
      x.storage as TypedArray,
      x.strides,
      x.offset,
      x.shape,
      false,
    );
    at += x.shape[axis];
  }
  return out;
}

/** Contiguous copy of a view, converted to `dtype` (anything non-zero, NaN included, is true). */
export function cast(x: TensorView, dtype: DType): TypedArray {
  const out = alloc(dtype, sizeOfShape(x.shape));
  const toBool = dtype === 'bool' && x.dtype !== 'bool';
  copyStrided(
    out,
    contiguousStridesOf(x.shape),
    0,
    x.storage as TypedArray,
    x.strides,
    x.offset,
    x.shape,
    toBool,
  );
  return out;
}
