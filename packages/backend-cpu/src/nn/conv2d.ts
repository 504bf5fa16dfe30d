import type { Conv2dParams, TensorView, TypedArray } from '@nn/tensor';
import { gemm } from '../matmul.js';
import { alloc } from '../strided.js';
import { scratch } from './scratch.js';

// Conv as GEMM, one image and group at a time: im2col builds cols[(ci, kh, kw), (oh, ow)], small
// enough to stay in cache, and the blocked gemm of matmul.ts does the arithmetic, reading dy and
// the weights in place through its strides. Inputs arrive contiguous (the frontend makes them so);
// only their offsets vary.

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

/** First and one-past-last output index o whose input coordinate o*s - pad + off lies in [0, size). */
function validRange(out: number, size: number, s: number, pad: number, off: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - off) / s));
  const hi = Math.min(out, Math.floor((size - 1 + pad - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** cols[tap, (i - n0) * l + pos] for images n0..n1 of group grp. */
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

export function conv2d(x: TensorView, wt: TensorView, p: Conv2dParams, outShape: readonly number[]): TypedArray {
  const geo = geometry(x.shape, wt.shape, outShape, p);
  const { n, outC, og, k, l, g } = geo;
  const out = alloc(x.dtype, n * outC * l);
  const X = x.storage as TypedArray;
  const W = wt.storage as TypedArray;
  // One image at a time keeps the patch matrix and the product small enough to stay in cache.
  const cols = scratch(0, k * l);
  const C = scratch(1, og * l);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      im2col(X, x.offset, geo, grp, i, i + 1, cols);
      C.fill(0);
      gemm(og, l, k, W, wt.offset + grp * og * k, k, 1, cols, 0, l, 1, C);
      out.set(C, (i * outC + grp * og) * l);
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
  const { n, c, h, w, outC, og, k, l, g } = geo;
  const dx = alloc(dy.dtype, n * c * h * w);
  const DY = dy.storage as TypedArray;
  const W = wt.storage as TypedArray;
  const dcols = scratch(0, k * l);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      dcols.fill(0);
      // W_g^T [k, og] · dy_g [og, l] for this image.
      gemm(k, l, og, W, wt.offset + grp * og * k, 1, k, DY, dy.offset + (i * outC + grp * og) * l, l, 1, dcols);
      col2im(dcols, geo, grp, i, i + 1, dx);
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
  const cols = scratch(0, k * l);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      im2col(X, x.offset, geo, grp, i, i + 1, cols);
      // dy_g [og, l] · cols^T [l, k], summed over images (gemm adds into C).
      const dst = acc.subarray(grp * og * k, (grp + 1) * og * k);
      gemm(og, k, l, DY, dy.offset + (i * outC + grp * og) * l, l, 1, cols, 0, 1, l, dst);
    }
  }
  const dw = alloc(dy.dtype, outC * k);
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i];
  return dw;
}
