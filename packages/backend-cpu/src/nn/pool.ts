import type { Pool2dParams, TensorView, TypedArray } from '@nn/tensor';
import { alloc } from '../strided.js';

// Direct loops over each (n, c) plane; inputs arrive contiguous (only the offset varies).

/** Window start and end along one dim, clipped to the input. */
function span(
  o: number,
  s: number,
  pad: number,
  k: number,
  d: number,
  size: number,
): [number, number, number] {
  // Returns the first in-range tap, the tap count, and the input coordinate of tap 0.
  const start = o * s - pad;
  let first = 0;
  while (start + first * d < 0) first++;
  let last = k;
  while (last > first && start + (last - 1) * d >= size) last--;
  return [first, last, start];
}

export function maxPool2d(
  x: TensorView,
  p: Pool2dParams,
  outShape: readonly number[],
): { values: TypedArray; indices: Int32Array } {
  const [n, c, h, w] = x.shape;
  const [, , oh, ow] = outShape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const X = x.storage as TypedArray;
  const values = alloc(x.dtype, n * c * oh * ow);
  const indices = new Int32Array(n * c * oh * ow);
  if (
    kh === 2 &&
    kw === 2 &&
    sh === 2 &&
    sw === 2 &&
    ph === 0 &&
    pw === 0 &&
    dh === 1 &&
    dw === 1 &&
    2 * oh <= h &&
    2 * ow <= w
  ) {
    maxPool2x2(X, x.offset, n * c, h, w, oh, ow, values, indices);
    return { values, indices };
  }
  const rows = new Int32Array(oh * 3);
  for (let i = 0; i < oh; i++) rows.set(span(i, sh, ph, kh, dh, h), i * 3);
  const cols = new Int32Array(ow * 3);
  for (let j = 0; j < ow; j++) cols.set(span(j, sw, pw, kw, dw, w), j * 3);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = x.offset + plane * h * w;
    for (let i = 0; i < oh; i++) {
      const a0 = rows[i * 3];
      const a1 = rows[i * 3 + 1];
      const r0 = rows[i * 3 + 2];
      for (let j = 0; j < ow; j++, o++) {
        const b0 = cols[j * 3];
        const b1 = cols[j * 3 + 1];
        const c0 = cols[j * 3 + 2];
        let best = Number.NEGATIVE_INFINITY;
        let at = (r0 + a0 * dh) * w + c0 + b0 * dw;
        for (let a = a0; a < a1; a++) {
          const rowPos = (r0 + a * dh) * w + c0;
          for (let b = b0; b < b1; b++) {
            const pos = rowPos + b * dw;
            const v = X[base + pos];
            // NaN wins, as in PyTorch: it propagates instead of being skipped.
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = pos;
              if (Number.isNaN(v)) break;
            }
          }
          if (Number.isNaN(best)) break;
        }
        values[o] = best;
        indices[o] = at;
      }
    }
  }
  return { values, indices };
}

/** The CNN workhorse (2×2 windows, stride 2, every window inside the input) without bounds logic. */
function maxPool2x2(
  X: TypedArray,
  off: number,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  values: TypedArray,
  indices: Int32Array,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = off + plane * h * w;
    for (let i = 0; i < oh; i++) {
      const r0 = 2 * i * w;
      const r1 = r0 + w;
      for (let j = 0; j < ow; j++, o++) {
        const c0 = 2 * j;
        let best = X[base + r0 + c0];
        let at = r0 + c0;
        let v = X[base + r0 + c0 + 1];
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = r0 + c0 + 1;
        }
        if (!Number.isNaN(best)) {
          v = X[base + r1 + c0];
          if (v > best || Number.isNaN(v)) {
            best = v;
            at = r1 + c0;
          }
        }
        if (!Number.isNaN(best)) {
          v = X[base + r1 + c0 + 1];
          if (v > best || Number.isNaN(v)) {
            best = v;
            at = r1 + c0 + 1;
          }
        }
        values[o] = best;
        indices[o] = at;
      }
    }
  }
}

export function maxPool2dBackward(
  dy: TensorView,
  indices: TensorView,
  xShape: readonly number[],
): TypedArray {
  const [n, c, h, w] = xShape;
  const [, , oh, ow] = dy.shape;
  const DY = dy.storage as TypedArray;
  const I = indices.storage as Int32Array;
  const dx = alloc(dy.dtype, n * c * h * w);
  const per = oh * ow;
  for (let plane = 0; plane < n * c; plane++) {
    const src = plane * per;
    const dst = plane * h * w;
    for (let q = 0; q < per; q++) dx[dst + I[indices.offset + src + q]] += DY[dy.offset + src + q];
  }
  return dx;
}

/** Per output position: first tap, tap end, input start, and the divisor (PyTorch's rule). */
function avgTable(out: number, s: number, pad: number, k: number, size: number): Int32Array {
  const t = new Int32Array(out * 4);
  for (let o = 0; o < out; o++) {
    const start = o * s - pad;
    const end = Math.min(start + k, size + pad);
    const lo = Math.max(start, 0);
    const hi = Math.min(end, size);
    t[o * 4] = lo;
    t[o * 4 + 1] = hi;
    t[o * 4 + 2] = end - start;
    t[o * 4 + 3] = hi - lo;
  }
  return t;
}

export function avgPool2d(
  x: TensorView,
  p: Pool2dParams,
  countIncludePad: boolean,
  outShape: readonly number[],
): TypedArray {
  const [n, c, h, w] = x.shape;
  const [, , oh, ow] = outShape;
  const X = x.storage as TypedArray;
  const out = alloc(x.dtype, n * c * oh * ow);
  const rt = avgTable(oh, p.stride[0], p.padding[0], p.kernel[0], h);
  const ct = avgTable(ow, p.stride[1], p.padding[1], p.kernel[1], w);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = x.offset + plane * h * w;
    for (let i = 0; i < oh; i++) {
      const y0 = rt[i * 4];
      const y1 = rt[i * 4 + 1];
      for (let j = 0; j < ow; j++, o++) {
        const x0 = ct[j * 4];
        const x1 = ct[j * 4 + 1];
        let s = 0;
        for (let y = y0; y < y1; y++) {
          const row = base + y * w;
          for (let xx = x0; xx < x1; xx++) s += X[row + xx];
        }
        const div = countIncludePad ? rt[i * 4 + 2] * ct[j * 4 + 2] : rt[i * 4 + 3] * ct[j * 4 + 3];
        out[o] = s / div;
      }
    }
  }
  return out;
}

export function avgPool2dBackward(
  dy: TensorView,
  p: Pool2dParams,
  countIncludePad: boolean,
  xShape: readonly number[],
): TypedArray {
  const [n, c, h, w] = xShape;
  const [, , oh, ow] = dy.shape;
  const DY = dy.storage as TypedArray;
  const dx = alloc(dy.dtype, n * c * h * w);
  const rt = avgTable(oh, p.stride[0], p.padding[0], p.kernel[0], h);
  const ct = avgTable(ow, p.stride[1], p.padding[1], p.kernel[1], w);
  let o = dy.offset;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let i = 0; i < oh; i++) {
      const y0 = rt[i * 4];
      const y1 = rt[i * 4 + 1];
      for (let j = 0; j < ow; j++, o++) {
        const x0 = ct[j * 4];
        const x1 = ct[j * 4 + 1];
        const div = countIncludePad ? rt[i * 4 + 2] * ct[j * 4 + 2] : rt[i * 4 + 3] * ct[j * 4 + 3];
        const g = DY[o] / div;
        for (let y = y0; y < y1; y++) {
          const row = base + y * w;
          for (let xx = x0; xx < x1; xx++) dx[row + xx] += g;
        }
      }
    }
  }
  return dx;
}
