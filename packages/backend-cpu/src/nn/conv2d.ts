import type { Conv2dParams, TensorView, TypedArray } from '@nn/tensor';
import { type Conv2dGeometry, conv2dGeometry } from '@nn/tensor/internal';
import { gemm } from '../matmul.js';
import { alloc } from '../strided.js';
import { scratch } from './scratch.js';

// Conv as GEMM, one image, group and band of output rows at a time: im2col builds
// cols[(ci, kh, kw), (oh, ow)], small enough to stay in cache, and the blocked gemm of matmul.ts does the arithmetic, reading dy and
// the weights in place through its strides. Inputs arrive contiguous (the frontend makes them so);
// only their offsets vary.

/** Largest patch matrix (in doubles) built at once; taller outputs go in bands of rows. */
const MAX_COLS = 1 << 20;

/** First and one-past-last output index o whose input coordinate o*s - pad + off lies in [0, size). */
function validRange(out: number, size: number, s: number, pad: number, off: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - off) / s));
  const hi = Math.min(out, Math.floor((size - 1 + pad - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Output rows per band: the patch matrix of one band holds at most MAX_COLS doubles. */
function bandRows(geo: Conv2dGeometry): number {
  return Math.max(1, Math.min(geo.oh, Math.floor(MAX_COLS / Math.max(1, geo.k * geo.ow))));
}

/** cols[tap, (y - y0) * ow + xo] for output rows y0..y1 of image i, group grp. */
function im2col(
  x: TypedArray,
  xOff: number,
  geo: Conv2dGeometry,
  grp: number,
  i: number,
  y0: number,
  y1: number,
  cols: Float64Array,
): void {
  const { c, h, w, kh, kw, oh, ow, cg, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const bw = (y1 - y0) * ow;
  for (let ci = 0; ci < cg; ci++) {
    const plane = xOff + (i * c + grp * cg + ci) * h * w;
    for (let a = 0; a < kh; a++) {
      const [lo, hi] = validRange(oh, h, sh, ph, a * dh);
      const ohLo = Math.min(Math.max(lo, y0), y1);
      const ohHi = Math.max(Math.min(hi, y1), ohLo);
      for (let b = 0; b < kw; b++) {
        const [owLo, owHi] = validRange(ow, w, sw, pw, b * dw);
        const base = ((ci * kh + a) * kw + b) * bw - y0 * ow;
        // Zeros only where a tap reads padding; each fill() is a call, so skip the empty ones.
        if (ohLo > y0) cols.fill(0, base + y0 * ow, base + ohLo * ow);
        for (let y = ohLo; y < ohHi; y++) {
          const dst = base + y * ow;
          const src = plane + (y * sh - ph + a * dh) * w - pw + b * dw;
          for (let xo = 0; xo < owLo; xo++) cols[dst + xo] = 0;
          if (sw === 1) for (let xo = owLo; xo < owHi; xo++) cols[dst + xo] = x[src + xo];
          else for (let xo = owLo; xo < owHi; xo++) cols[dst + xo] = x[src + xo * sw];
          for (let xo = owHi; xo < ow; xo++) cols[dst + xo] = 0;
        }
        if (ohHi < y1) cols.fill(0, base + ohHi * ow, base + y1 * ow);
      }
    }
  }
}

/** dx += cols laid out as im2col made them: its adjoint. */
function col2im(
  cols: Float64Array,
  geo: Conv2dGeometry,
  grp: number,
  i: number,
  y0: number,
  y1: number,
  dx: TypedArray,
): void {
  const { c, h, w, kh, kw, oh, ow, cg, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const bw = (y1 - y0) * ow;
  for (let ci = 0; ci < cg; ci++) {
    const plane = (i * c + grp * cg + ci) * h * w;
    for (let a = 0; a < kh; a++) {
      const [lo, hi] = validRange(oh, h, sh, ph, a * dh);
      const ohLo = Math.max(lo, y0);
      const ohHi = Math.min(hi, y1);
      for (let b = 0; b < kw; b++) {
        const [owLo, owHi] = validRange(ow, w, sw, pw, b * dw);
        const base = ((ci * kh + a) * kw + b) * bw - y0 * ow;
        for (let y = ohLo; y < ohHi; y++) {
          const src = base + y * ow;
          const dst = plane + (y * sh - ph + a * dh) * w - pw + b * dw;
          for (let xo = owLo; xo < owHi; xo++) dx[dst + xo * sw] += cols[src + xo];
        }
      }
    }
  }
}

export function conv2d(
  x: TensorView,
  wt: TensorView,
  p: Conv2dParams,
  outShape: readonly number[],
): TypedArray {
  const geo = conv2dGeometry(x.shape, wt.shape, outShape, p);
  const { n, outC, og, k, l, g, oh, ow } = geo;
  const out = alloc(x.dtype, n * outC * l);
  const X = x.storage as TypedArray;
  const W = wt.storage as TypedArray;
  // One image (and band of output rows) at a time keeps the patch matrix and product in cache.
  const rows = bandRows(geo);
  const cols = scratch(0, k * rows * ow);
  const C = scratch(1, og * rows * ow);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      for (let y0 = 0; y0 < oh; y0 += rows) {
        const y1 = Math.min(oh, y0 + rows);
        const bw = (y1 - y0) * ow;
        im2col(X, x.offset, geo, grp, i, y0, y1, cols);
        const Cb = C.subarray(0, og * bw);
        Cb.fill(0);
        gemm(og, bw, k, W, wt.offset + grp * og * k, k, 1, cols, 0, bw, 1, Cb);
        const base = (i * outC + grp * og) * l + y0 * ow;
        if (bw === l) out.set(Cb, base);
        else for (let o = 0; o < og; o++) out.set(Cb.subarray(o * bw, (o + 1) * bw), base + o * l);
      }
    }
  }
  return out;
}

export function conv2dBackwardInput(
  dy: TensorView,
  wt: TensorView,
  p: Conv2dParams,
  xShape: readonly number[],
): TypedArray {
  const geo = conv2dGeometry(xShape, wt.shape, dy.shape, p);
  const { n, c, h, w, outC, og, k, l, g, oh, ow } = geo;
  const dx = alloc(dy.dtype, n * c * h * w);
  const DY = dy.storage as TypedArray;
  const W = wt.storage as TypedArray;
  const rows = bandRows(geo);
  const dcols = scratch(0, k * rows * ow);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      for (let y0 = 0; y0 < oh; y0 += rows) {
        const y1 = Math.min(oh, y0 + rows);
        const bw = (y1 - y0) * ow;
        const D = dcols.subarray(0, k * bw);
        D.fill(0);
        // W_g^T [k, og] · dy_g [og, band] for this image, dy read in place (row stride l).
        gemm(
          k,
          bw,
          og,
          W,
          wt.offset + grp * og * k,
          1,
          k,
          DY,
          dy.offset + (i * outC + grp * og) * l + y0 * ow,
          l,
          1,
          D,
        );
        col2im(D, geo, grp, i, y0, y1, dx);
      }
    }
  }
  return dx;
}

export function conv2dBackwardWeight(
  x: TensorView,
  dy: TensorView,
  p: Conv2dParams,
  wShape: readonly number[],
): TypedArray {
  const geo = conv2dGeometry(x.shape, wShape, dy.shape, p);
  const { n, outC, og, k, l, g, oh, ow } = geo;
  const X = x.storage as TypedArray;
  const DY = dy.storage as TypedArray;
  const acc = scratch(1, outC * k, true);
  const rows = bandRows(geo);
  const cols = scratch(0, k * rows * ow);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      for (let y0 = 0; y0 < oh; y0 += rows) {
        const y1 = Math.min(oh, y0 + rows);
        const bw = (y1 - y0) * ow;
        im2col(X, x.offset, geo, grp, i, y0, y1, cols);
        // dy_g [og, band] · cols^T [band, k], summed over images and bands (gemm adds into C).
        const dst = acc.subarray(grp * og * k, (grp + 1) * og * k);
        gemm(og, k, bw, DY, dy.offset + (i * outC + grp * og) * l + y0 * ow, l, 1, cols, 0, 1, bw, dst);
      }
    }
  }
  const dw = alloc(dy.dtype, outC * k);
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i];
  return dw;
}
