import type { Conv2dParams, TensorView, TypedArray } from '@nn/tensor';
import { gemm } from '../matmul.js';
import { alloc } from '../strided.js';
import { scratch } from './scratch.js';

// Conv as GEMM: for each group and a chunk of images, im2col builds the matrix
// cols[(ci, kh, kw), (n, oh, ow)] once, and the blocked gemm of matmul.ts does the arithmetic.
// Inputs arrive contiguous (the frontend makes them so); only their offsets vary.

/** Largest im2col matrix (in doubles) built at once; bigger batches go in chunks of images. */
const MAX_COLS = 1 << 21;

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  outC: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  g: number;
  cg: number;
  og: number;
  /** Rows of cols: cg * kh * kw. */
  k: number;
  /** Output positions per image: oh * ow. */
  l: number;
  p: Conv2dParams;
}

function geometry(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], p: Conv2dParams): Geometry {
  const [n, c, h, w] = xShape;
  const [outC, cg, kh, kw] = wShape;
  const [, , oh, ow] = yShape;
  const g = p.groups;
  return { n, c, h, w, outC, kh, kw, oh, ow, g, cg, og: outC / g, k: cg * kh * kw, l: oh * ow, p };
}

function chunkSize(geo: Geometry): number {
  return Math.max(1, Math.min(geo.n, Math.floor(MAX_COLS / Math.max(1, geo.k * geo.l))));
}

/** First and one-past-last output index o whose input coordinate o*s - pad + off lies in [0, size). */
function validRange(out: number, size: number, s: number, pad: number, off: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - off) / s));
  const hi = Math.min(out, Math.floor((size - 1 + pad - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** cols[row, (i - n0) * l + pos] for images n0..n1 of group grp. */
function im2col(x: TypedArray, xOff: number, geo: Geometry, grp: number, n0: number, n1: number, cols: Float64Array): void {
  const { c, h, w, kh, kw, oh, ow, cg, l, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const width = (n1 - n0) * l;
  for (let ci = 0; ci < cg; ci++) {
    for (let a = 0; a < kh; a++) {
      const [ohLo, ohHi] = validRange(oh, h, sh, ph, a * dh);
      for (let b = 0; b < kw; b++) {
        const [owLo, owHi] = validRange(ow, w, sw, pw, b * dw);
        const row = ((ci * kh + a) * kw + b) * width;
        for (let i = n0; i < n1; i++) {
          const plane = xOff + (i * c + grp * cg + ci) * h * w;
          const base = row + (i - n0) * l;
          // Zeros only where a tap reads padding; each fill() is a call, so skip the empty ones.
          if (ohLo > 0) cols.fill(0, base, base + ohLo * ow);
          for (let y = ohLo; y < ohHi; y++) {
            const dst = base + y * ow;
            const src = plane + (y * sh - ph + a * dh) * w - pw + b * dw;
            for (let xo = 0; xo < owLo; xo++) cols[dst + xo] = 0;
            if (sw === 1) for (let xo = owLo; xo < owHi; xo++) cols[dst + xo] = x[src + xo];
            else for (let xo = owLo; xo < owHi; xo++) cols[dst + xo] = x[src + xo * sw];
            for (let xo = owHi; xo < ow; xo++) cols[dst + xo] = 0;
          }
          if (ohHi < oh) cols.fill(0, base + ohHi * ow, base + l);
        }
      }
    }
  }
}

/** dx[...] += cols[row, col]: the adjoint of im2col. */
function col2im(cols: Float64Array, geo: Geometry, grp: number, n0: number, n1: number, dx: TypedArray): void {
  const { c, h, w, kh, kw, oh, ow, cg, l, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const width = (n1 - n0) * l;
  for (let ci = 0; ci < cg; ci++) {
    for (let a = 0; a < kh; a++) {
      const [ohLo, ohHi] = validRange(oh, h, sh, ph, a * dh);
      for (let b = 0; b < kw; b++) {
        const [owLo, owHi] = validRange(ow, w, sw, pw, b * dw);
        const row = ((ci * kh + a) * kw + b) * width;
        for (let i = n0; i < n1; i++) {
          const plane = (i * c + grp * cg + ci) * h * w;
          const base = row + (i - n0) * l;
          for (let y = ohLo; y < ohHi; y++) {
            const src = base + y * ow;
            const dst = plane + (y * sh - ph + a * dh) * w - pw + b * dw;
            for (let xo = owLo; xo < owHi; xo++) dx[dst + xo * sw] += cols[src + xo];
          }
        }
      }
    }
  }
}

/** dy's group grp for images n0..n1 as a [og, (n, pos)] matrix. */
function gatherDy(dy: TypedArray, dyOff: number, geo: Geometry, grp: number, n0: number, n1: number, out: Float64Array): void {
  const { outC, og, l } = geo;
  const width = (n1 - n0) * l;
  for (let o = 0; o < og; o++) {
    for (let i = n0; i < n1; i++) {
      const src = dyOff + (i * outC + grp * og + o) * l;
      const dst = o * width + (i - n0) * l;
      for (let q = 0; q < l; q++) out[dst + q] = dy[src + q];
    }
  }
}

export function conv2d(x: TensorView, wt: TensorView, p: Conv2dParams, outShape: readonly number[]): TypedArray {
  const geo = geometry(x.shape, wt.shape, outShape, p);
  const { n, outC, og, k, l, g } = geo;
  const out = alloc(x.dtype, n * outC * l);
  const X = x.storage as TypedArray;
  const W = wt.storage as TypedArray;
  const step = chunkSize(geo);
  for (let n0 = 0; n0 < n; n0 += step) {
    const n1 = Math.min(n, n0 + step);
    const width = (n1 - n0) * l;
    for (let grp = 0; grp < g; grp++) {
      const cols = scratch(0, k * width);
      im2col(X, x.offset, geo, grp, n0, n1, cols);
      const C = scratch(1, og * width, true);
      gemm(og, width, k, W, wt.offset + grp * og * k, k, 1, cols, 0, width, 1, C);
      for (let o = 0; o < og; o++) {
        for (let i = n0; i < n1; i++) {
          const dst = (i * outC + grp * og + o) * l;
          const src = o * width + (i - n0) * l;
          for (let q = 0; q < l; q++) out[dst + q] = C[src + q];
        }
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
  const geo = geometry(xShape, wt.shape, dy.shape, p);
  const { n, c, h, w, og, k, l, g } = geo;
  const dx = alloc(dy.dtype, n * c * h * w);
  const DY = dy.storage as TypedArray;
  const W = wt.storage as TypedArray;
  const step = chunkSize(geo);
  for (let n0 = 0; n0 < n; n0 += step) {
    const n1 = Math.min(n, n0 + step);
    const width = (n1 - n0) * l;
    for (let grp = 0; grp < g; grp++) {
      const dyg = scratch(2, og * width);
      gatherDy(DY, dy.offset, geo, grp, n0, n1, dyg);
      const dcols = scratch(0, k * width, true);
      // W_g^T [k, og] · dy_g [og, width]
      gemm(k, width, og, W, wt.offset + grp * og * k, 1, k, dyg, 0, width, 1, dcols);
      col2im(dcols, geo, grp, n0, n1, dx);
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
  const geo = geometry(x.shape, wShape, dy.shape, p);
  const { n, outC, og, k, l, g } = geo;
  const X = x.storage as TypedArray;
  const DY = dy.storage as TypedArray;
  const acc = scratch(1, outC * k, true);
  const step = chunkSize(geo);
  for (let n0 = 0; n0 < n; n0 += step) {
    const n1 = Math.min(n, n0 + step);
    const width = (n1 - n0) * l;
    for (let grp = 0; grp < g; grp++) {
      const cols = scratch(0, k * width);
      im2col(X, x.offset, geo, grp, n0, n1, cols);
      const dyg = scratch(2, og * width);
      gatherDy(DY, dy.offset, geo, grp, n0, n1, dyg);
      // dy_g [og, width] · cols^T [width, k], accumulated over chunks (gemm adds into C).
      gemm(og, k, width, dyg, 0, width, 1, cols, 0, 1, width, acc.subarray(grp * og * k, (grp + 1) * og * k));
    }
  }
  const dw = alloc(dy.dtype, outC * k);
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i];
  return dw;
}
