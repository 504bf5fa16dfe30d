import type { Conv2dParams, TensorView, TypedArray } from '@nn/tensor';
import { alloc } from '../strided.js';
import { acc, dot4x4 } from './dot.js';
import { scratch } from './scratch.js';

// Conv as dot products over im2col patches. Every product is a 4×4 block of dot4x4 over rows that
// are contiguous in memory, so nothing is packed twice and results go straight to the output.
// Operands are first copied to doubles: one array type keeps the hot loop monomorphic.
// Inputs arrive contiguous (the frontend makes them so); only their offsets vary.

/** Largest patch matrix (in doubles) built at once; bigger batches go in chunks of images. */
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
  /** Taps per output: cg * kh * kw. */
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
function validLo(size: number, s: number, pad: number, off: number): number {
  return Math.max(0, Math.ceil((pad - off) / s));
}
function validHi(out: number, size: number, s: number, pad: number, off: number): number {
  return Math.min(out, Math.floor((size - 1 + pad - off) / s) + 1);
}

function toDoubles(t: TensorView, size: number, slot: number): Float64Array {
  const out = scratch(slot, size);
  const src = t.storage as TypedArray;
  for (let i = 0; i < size; i++) out[i] = src[t.offset + i];
  return out;
}

/** Tap-major patches of images n0..n1 in group grp: cols[tap * width + (image - n0) * l + position]. */
function im2col(x: TypedArray, xOff: number, geo: Geometry, grp: number, n0: number, n1: number, cols: Float64Array): void {
  const { c, h, w, kh, kw, oh, ow, cg, l, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const width = (n1 - n0) * l;
  if (ph > 0 || pw > 0) cols.fill(0);
  for (let ci = 0; ci < cg; ci++) {
    for (let a = 0; a < kh; a++) {
      const y0 = validLo(h, sh, ph, a * dh);
      const y1 = validHi(oh, h, sh, ph, a * dh);
      for (let b = 0; b < kw; b++) {
        const x0 = validLo(w, sw, pw, b * dw);
        const x1 = validHi(ow, w, sw, pw, b * dw);
        const tap = (ci * kh + a) * kw + b;
        for (let i = n0; i < n1; i++) {
          const plane = xOff + (i * c + grp * cg + ci) * h * w;
          for (let y = y0; y < y1; y++) {
            const src = plane + (y * sh - ph + a * dh) * w - pw + b * dw;
            const dst = tap * width + (i - n0) * l + y * ow;
            for (let xo = x0; xo < x1; xo++) cols[dst + xo] = x[src + xo * sw];
          }
        }
      }
    }
  }
}

/**
 * Position-major patches of one image in group grp: cols[position * k + tap]. Each position's
 * patch is written contiguously (the reads stay inside one small input plane).
 */
function patches(x: TypedArray, xOff: number, geo: Geometry, grp: number, img: number, cols: Float64Array): void {
  const { c, h, w, kh, kw, oh, ow, cg, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const hw = h * w;
  const base = xOff + (img * c + grp * cg) * hw;
  let d = 0;
  for (let y = 0; y < oh; y++) {
    const iy0 = y * sh - ph;
    for (let xo = 0; xo < ow; xo++) {
      const ix0 = xo * sw - pw;
      const inside = iy0 >= 0 && ix0 >= 0 && iy0 + (kh - 1) * dh < h && ix0 + (kw - 1) * dw < w;
      if (inside) {
        for (let ci = 0; ci < cg; ci++) {
          let row = base + ci * hw + iy0 * w + ix0;
          for (let a = 0; a < kh; a++, row += dh * w) {
            for (let b = 0; b < kw; b++) cols[d++] = x[row + b * dw];
          }
        }
      } else {
        for (let ci = 0; ci < cg; ci++) {
          for (let a = 0; a < kh; a++) {
            const iy = iy0 + a * dh;
            const rowOk = iy >= 0 && iy < h;
            const row = base + ci * hw + iy * w;
            for (let b = 0; b < kw; b++) {
              const ix = ix0 + b * dw;
              cols[d++] = rowOk && ix >= 0 && ix < w ? x[row + ix] : 0;
            }
          }
        }
      }
    }
  }
}

/** dx += one image's position-major patch gradients dcols[position * k + tap] (the adjoint of patches). */
function col2im(dcols: Float64Array, geo: Geometry, grp: number, img: number, dx: TypedArray): void {
  const { c, h, w, kh, kw, oh, ow, cg, p } = geo;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const hw = h * w;
  const base = (img * c + grp * cg) * hw;
  let d = 0;
  for (let y = 0; y < oh; y++) {
    const iy0 = y * sh - ph;
    for (let xo = 0; xo < ow; xo++) {
      const ix0 = xo * sw - pw;
      const inside = iy0 >= 0 && ix0 >= 0 && iy0 + (kh - 1) * dh < h && ix0 + (kw - 1) * dw < w;
      if (inside) {
        for (let ci = 0; ci < cg; ci++) {
          let row = base + ci * hw + iy0 * w + ix0;
          for (let a = 0; a < kh; a++, row += dh * w) {
            for (let b = 0; b < kw; b++) dx[row + b * dw] += dcols[d++];
          }
        }
      } else {
        for (let ci = 0; ci < cg; ci++) {
          for (let a = 0; a < kh; a++) {
            const iy = iy0 + a * dh;
            const rowOk = iy >= 0 && iy < h;
            const row = base + ci * hw + iy * w;
            for (let b = 0; b < kw; b++, d++) {
              const ix = ix0 + b * dw;
              if (rowOk && ix >= 0 && ix < w) dx[row + ix] += dcols[d];
            }
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
  const W = toDoubles(wt, outC * k, 1);
  const cols = scratch(0, l * k);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      patches(X, x.offset, geo, grp, i, cols);
      for (let j0 = 0; j0 < l; j0 += 4) {
        const nj = Math.min(4, l - j0);
        const b0 = j0 * k;
        const b1 = nj > 1 ? b0 + k : b0;
        const b2 = nj > 2 ? b0 + 2 * k : b0;
        const b3 = nj > 3 ? b0 + 3 * k : b0;
        for (let o0 = 0; o0 < og; o0 += 4) {
          const no = Math.min(4, og - o0);
          const a0 = (grp * og + o0) * k;
          dot4x4(W, a0, no > 1 ? a0 + k : a0, no > 2 ? a0 + 2 * k : a0, no > 3 ? a0 + 3 * k : a0, cols, b0, b1, b2, b3, k);
          const base = (i * outC + grp * og + o0) * l + j0;
          for (let r = 0; r < no; r++) {
            const row = base + r * l;
            for (let q = 0; q < nj; q++) out[row + q] = acc[r * 4 + q];
          }
        }
      }
    }
  }
  return out;
}

export function conv2dBackwardInput(dy: TensorView, wt: TensorView, p: Conv2dParams, xShape: readonly number[]): TypedArray {
  const geo = geometry(xShape, wt.shape, dy.shape, p);
  const { n, c, h, w, outC, og, k, l, g } = geo;
  const dx = alloc(dy.dtype, n * c * h * w);
  const DY = dy.storage as TypedArray;
  const W = wt.storage as TypedArray;
  // W_g transposed to [tap, og] so each tap's weights are one contiguous row.
  const wT = scratch(1, g * k * og);
  for (let grp = 0; grp < g; grp++) {
    for (let o = 0; o < og; o++) {
      for (let t = 0; t < k; t++) wT[(grp * k + t) * og + o] = W[wt.offset + (grp * og + o) * k + t];
    }
  }
  const dyT = scratch(2, l * og);
  const dcols = scratch(0, l * k);
  for (let i = 0; i < n; i++) {
    for (let grp = 0; grp < g; grp++) {
      // This image's dy_g as [position, og] rows.
      for (let o = 0; o < og; o++) {
        const src = dy.offset + (i * outC + grp * og + o) * l;
        for (let q = 0, d = o; q < l; q++, d += og) dyT[d] = DY[src + q];
      }
      for (let j0 = 0; j0 < l; j0 += 4) {
        const nj = Math.min(4, l - j0);
        const a0 = j0 * og;
        const a1 = nj > 1 ? a0 + og : a0;
        const a2 = nj > 2 ? a0 + 2 * og : a0;
        const a3 = nj > 3 ? a0 + 3 * og : a0;
        for (let t0 = 0; t0 < k; t0 += 4) {
          const nt = Math.min(4, k - t0);
          const b0 = (grp * k + t0) * og;
          dot4x4(dyT, a0, a1, a2, a3, wT, b0, nt > 1 ? b0 + og : b0, nt > 2 ? b0 + 2 * og : b0, nt > 3 ? b0 + 3 * og : b0, og);
          for (let r = 0; r < nj; r++) {
            const row = (j0 + r) * k + t0;
            for (let q = 0; q < nt; q++) dcols[row + q] = acc[r * 4 + q];
          }
        }
      }
      col2im(dcols, geo, grp, i, dx);
    }
  }
  return dx;
}

export function conv2dBackwardWeight(x: TensorView, dy: TensorView, p: Conv2dParams, wShape: readonly number[]): TypedArray {
  const geo = geometry(x.shape, wShape, dy.shape, p);
  const { n, outC, og, k, l, g } = geo;
  const X = x.storage as TypedArray;
  const DY = toDoubles(dy, n * outC * l, 2);
  const dW = scratch(1, outC * k, true);
  const step = chunkSize(geo);
  for (let n0 = 0; n0 < n; n0 += step) {
    const n1 = Math.min(n, n0 + step);
    const width = (n1 - n0) * l;
    for (let grp = 0; grp < g; grp++) {
      const cols = scratch(0, k * width);
      im2col(X, x.offset, geo, grp, n0, n1, cols);
      for (let i = n0; i < n1; i++) {
        const jb = (i - n0) * l;
        for (let o0 = 0; o0 < og; o0 += 4) {
          const no = Math.min(4, og - o0);
          const a0 = (i * outC + grp * og + o0) * l;
          const a1 = no > 1 ? a0 + l : a0;
          const a2 = no > 2 ? a0 + 2 * l : a0;
          const a3 = no > 3 ? a0 + 3 * l : a0;
          for (let t0 = 0; t0 < k; t0 += 4) {
            const nt = Math.min(4, k - t0);
            const b0 = t0 * width + jb;
            dot4x4(DY, a0, a1, a2, a3, cols, b0, nt > 1 ? b0 + width : b0, nt > 2 ? b0 + 2 * width : b0, nt > 3 ? b0 + 3 * width : b0, l);
            for (let r = 0; r < no; r++) {
              const row = (grp * og + o0 + r) * k + t0;
              for (let q = 0; q < nt; q++) dW[row + q] += acc[r * 4 + q];
            }
          }
        }
      }
    }
  }
  const out = alloc(dy.dtype, outC * k);
  for (let i = 0; i < out.length; i++) out[i] = dW[i];
  return out;
}
