import type { TensorView, TypedArray } from '@nn/tensor';
import { withoutAxis } from './reduce.js';
import { alloc, contiguousStridesOf, offsetsOf, sizeOfShape } from './strided.js';

interface Lines {
  count: number;
  len: number;
  /** Start of each line in the contiguous output, and its step along the axis. */
  outStarts: Int32Array | Float64Array;
  outStep: number;
}

function outLines(shape: readonly number[], axis: number): Lines {
  const strides = contiguousStridesOf(shape);
  const rest = withoutAxis(shape, strides, axis);
  return {
    count: sizeOfShape(rest.shape),
    len: shape[axis],
    outStarts: offsetsOf(rest.shape, rest.strides, 0),
    outStep: strides[axis],
  };
}

function inStarts(x: TensorView, axis: number): Int32Array | Float64Array {
  const rest = withoutAxis(x.shape, x.strides, axis);
  return offsetsOf(rest.shape, rest.strides, x.offset);
}

/** softmax (or log-softmax) along `axis`, shifted by each line's max so exp never overflows. */
export function softmax(x: TensorView, axis: number, log: boolean): TypedArray {
  const out = alloc(x.dtype, sizeOfShape(x.shape));
  const L = outLines(x.shape, axis);
  if (out.length === 0) return out;
  const starts = inStarts(x, axis);
  const src = x.storage as TypedArray;
  const s = x.strides[axis];
  const { len, outStep } = L;
  for (let t = 0; t < L.count; t++) {
    const i0 = starts[t];
    const o0 = L.outStarts[t];
    let m = -Infinity;
    for (let j = 0, i = i0; j < len; j++, i += s) {
      const v = src[i];
      if (v > m || Number.isNaN(v)) m = v;
    }
    let sum = 0;
    for (let j = 0, i = i0; j < len; j++, i += s) sum += Math.exp(src[i] - m);
    if (log) {
      const shift = m + Math.log(sum);
      for (let j = 0, i = i0, o = o0; j < len; j++, i += s, o += outStep) out[o] = src[i] - shift;
    } else {
      const inv = 1 / sum;
      for (let j = 0, i = i0, o = o0; j < len; j++, i += s, o += outStep) out[o] = Math.exp(src[i] - m) * inv;
    }
  }
  return out;
}

/** dx = y (dy - sum(dy y)) for softmax; dx = dy - exp(y) sum(dy) for log-softmax output y. */
export function softmaxBackward(y: TensorView, dy: TensorView, axis: number, log: boolean): TypedArray {
  const out = alloc(y.dtype, sizeOfShape(y.shape));
  const L = outLines(y.shape, axis);
  if (out.length === 0) return out;
  const ys = inStarts(y, axis);
  const gs = inStarts(dy, axis);
  const Y = y.storage as TypedArray;
  const G = dy.storage as TypedArray;
  const sy = y.strides[axis];
  const sg = dy.strides[axis];
  const { len, outStep } = L;
  for (let t = 0; t < L.count; t++) {
    const y0 = ys[t];
    const g0 = gs[t];
    const o0 = L.outStarts[t];
    let dot = 0;
    if (log) {
      for (let j = 0, ig = g0; j < len; j++, ig += sg) dot += G[ig];
      for (let j = 0, iy = y0, ig = g0, o = o0; j < len; j++, iy += sy, ig += sg, o += outStep) {
        out[o] = G[ig] - Math.exp(Y[iy]) * dot;
      }
    } else {
      for (let j = 0, iy = y0, ig = g0; j < len; j++, iy += sy, ig += sg) dot += G[ig] * Y[iy];
      for (let j = 0, iy = y0, ig = g0, o = o0; j < len; j++, iy += sy, ig += sg, o += outStep) {
        out[o] = Y[iy] * (G[ig] - dot);
      }
    }
  }
  return out;
}
