// Direct convolution for stride 1, dilation 1 and one group: no im2col matrix, no GEMM packing.
// A sample's input is copied into zero-padded planes whose rows are `Wr` floats apart; then
// output q of the "wide" plane (row q / Wr, column q % Wr) is a dot product of the taps with the
// inputs at q + offset(c, i, j), for every q alike, so SIMD runs straight across row ends. The
// columns past the true output width are computed and dropped. A 4-channel x 8-position block
// keeps eight f32x4 accumulators in registers, as the GEMM micro-kernel does, but reads its
// operands straight from the padded planes.
//
// The transposed convolution (the input gradient) is the same correlation over the output
// gradient padded by kernel-1 on every side, with the taps flipped and the channels swapped.
//
// meta (i32): [0, 18) the im2col layout (convgemm.ts), then
//   18 inC, 19 inH, 20 inW   one sample's source planes (x, or dy for the input gradient)
//   21 top, 22 left          where the source sits inside its padded plane
//   23 Wr, 24 plane          padded row width and plane size, in floats
//   25 srcFloats             floats of the padded source buffer (planes + read-past slack)
//   26 E, 27 O4, 28 Qr       taps per output row, output rows rounded up to 4, wide length (8k)
//   29 q0                    first wide position computed
//   30 outC, 31 outH, 32 outW, 33 outLeft   the result planes, and their first wide column
import { im2col } from './conv';
import { gemm, tileStore } from './gemm';
import { copyBytes, zeroBytes } from './mem';
import { madd } from './simd';

/** Epilogue bits, as gemm.ts numbers them. */
const BIAS_ROWS: i32 = 2;
const RELU: i32 = 4;

// @ts-expect-error: decorator
@inline
function m(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/**
 * Copies `chans` planes of rows x cols floats into the padded planes at (top, left); with a
 * `mask` (same layout as src, else 0) only where the mask is > 0, zeros elsewhere: relu's
 * gradient, taken from relu's output as the gradient is read.
 */
function padCopy(src: usize, mask: usize, chans: i32, rows: i32, cols: i32, dst: usize, plane: i32, Wr: i32, top: i32, left: i32): void {
  const rowBytes = <usize>cols << 2;
  const zero = f32x4.splat(0);
  for (let c = 0; c < chans; c++) {
    let d = dst + ((<usize>(c * plane + top * Wr + left)) << 2);
    const at = (<usize>c * rows * cols) << 2;
    let s = src + at;
    let k = mask + at;
    for (let r = 0; r < rows; r++) {
      if (mask == 0) {
        copyBytes(d, s, rowBytes);
      } else {
        let i: usize = 0;
        for (; i + 16 <= rowBytes; i += 16) {
          v128.store(d + i, v128.and(v128.load(s + i), f32x4.gt(v128.load(k + i), zero)));
        }
        for (; i < rowBytes; i += 4) store<f32>(d + i, select<f32>(load<f32>(s + i), 0, load<f32>(k + i) > 0));
        k += rowBytes;
      }
      d += <usize>Wr << 2;
      s += rowBytes;
    }
  }
}

/**
 * wide[o][q] = sum over taps e of w[o][e] * src[q + off[e]], for o < O4 and q < Qr (a multiple
 * of 8). `ws` holds the weights pre-splatted in blocks of four rows: [O4 / 4][E][4 rows][4 lanes].
 */
function correlate(src: usize, off: usize, E: i32, ws: usize, O4: i32, Qr: i32, wide: usize): void {
  const rowBytes = <usize>Qr << 2;
  for (let ob = 0; ob < O4; ob += 4) {
    const wb = ws + ((<usize>ob * E) << 4);
    const out = wide + <usize>ob * rowBytes;
    for (let q = 0; q < Qr; q += 8) {
      const s = src + (<usize>q << 2);
      let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
      let wp = wb;
      for (let e = 0; e < E; e++) {
        const p = s + <usize>load<i32>(off + (<usize>e << 2));
        const x0 = v128.load(p);
        const x1 = v128.load(p, 16);
        let w = v128.load(wp);
        a0 = madd(w, x0, a0);
        a1 = madd(w, x1, a1);
        w = v128.load(wp, 16);
        b0 = madd(w, x0, b0);
        b1 = madd(w, x1, b1);
        w = v128.load(wp, 32);
        c0 = madd(w, x0, c0);
        c1 = madd(w, x1, c1);
        w = v128.load(wp, 48);
        d0 = madd(w, x0, d0);
        d1 = madd(w, x1, d1);
        wp += 64;
      }
      tileStore(out + (<usize>q << 2), rowBytes, false, a0, a1, b0, b1, c0, c1, d0, d1);
    }
  }
}

/**
 * Result planes from the wide rows: out[r][h][w] = wide[r][h * Wr + left + w], plus `bias[r]`
 * (BIAS_ROWS) and then max(., 0) (RELU; NaN stays NaN, as relu keeps it).
 */
function emit(wide: usize, Qr: i32, Wr: i32, left: i32, out: usize, R: i32, H: i32, W: i32, bias: usize, epi: i32): void {
  const zero = f32x4.splat(0);
  const relu = (epi & RELU) != 0;
  let dst = out;
  for (let r = 0; r < R; r++) {
    const b: f32 = epi & BIAS_ROWS ? load<f32>(bias + (<usize>r << 2)) : 0;
    const bv = f32x4.splat(b);
    for (let h = 0; h < H; h++) {
      const src = wide + ((<usize>(r * Qr + h * Wr + left)) << 2);
      let w = 0;
      for (; w + 4 <= W; w += 4) {
        let v = f32x4.add(v128.load(src + (<usize>w << 2)), bv);
        if (relu) v = f32x4.max(v, zero);
        v128.store(dst + (<usize>w << 2), v);
      }
      if (w < W && W >= 4) {
        // The last 1-3 columns as the row's last four (rewriting some with the same values): a
        // scalar relu is a branch that random signs mispredict.
        w = W - 4;
        let v = f32x4.add(v128.load(src + (<usize>w << 2)), bv);
        if (relu) v = f32x4.max(v, zero);
        v128.store(dst + (<usize>w << 2), v);
        w = W;
      }
      for (; w < W; w++) {
        let v = load<f32>(src + (<usize>w << 2)) + b;
        if (relu) v = v > 0 || v != v ? v : 0;
        store<f32>(dst + (<usize>w << 2), v);
      }
      dst += <usize>W << 2;
    }
  }
}

/**
 * Forward convolution (src = x) or input gradient (src = dy, flipped weights) for samples
 * [n0, n1): out[n] = correlate(padded src[n]), then the epilogue `epi` with `bias`. A `mask`
 * (relu's output, or 0) zeroes src where it is not > 0 as src is read. `scratch` holds
 * srcFloats + O4 * Qr floats.
 */
export function directCorrelate(
  src: usize, ws: usize, off: usize, out: usize, scratch: usize, meta: usize, n0: i32, n1: i32, bias: usize, epi: i32,
  mask: usize,
): void {
  const inC = m(meta, 18), inH = m(meta, 19), inW = m(meta, 20), top = m(meta, 21), left = m(meta, 22);
  const Wr = m(meta, 23), plane = m(meta, 24), srcFloats = m(meta, 25);
  const E = m(meta, 26), O4 = m(meta, 27), Qr = m(meta, 28), q0 = m(meta, 29);
  const outC = m(meta, 30), outH = m(meta, 31), outW = m(meta, 32), outLeft = m(meta, 33);
  const padded = scratch;
  const wide = scratch + (<usize>srcFloats << 2);
  // The borders and the slack stay zero: each sample only overwrites the interior.
  zeroBytes(padded, <usize>srcFloats << 2);
  const inSize = <usize>inC * inH * inW;
  const outSize = <usize>outC * outH * outW;
  for (let n = n0; n < n1; n++) {
    const at = (<usize>n * inSize) << 2;
    padCopy(src + at, mask ? mask + at : 0, inC, inH, inW, padded, plane, Wr, top, left);
    correlate(padded + (<usize>q0 << 2), off, E, ws, O4, Qr, wide);
    emit(wide, Qr, Wr, outLeft, out + ((<usize>n * outSize) << 2), outC, outH, outW, bias, epi);
  }
}

/** True when the floats [p, p + n) are all finite (x * 0 is 0 for those, NaN otherwise). */
export function allFinite(p: usize, n: i32): bool {
  let acc = f32x4.splat(0);
  const zero = acc;
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(p + (<usize>i << 2)), zero));
  let s: f32 = 0;
  for (; i < n; i++) s += load<f32>(p + (<usize>i << 2)) * 0;
  s += f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  return s == 0;
}

/**
 * Weight gradient for samples [n0, n1): dw = sum over n, q of dyw[o][q] * x[q + off[e]], with dy
 * spread over wide rows (zeros past the output width) and x padded as for the forward pass; with
 * a `mask` (relu's output, or 0), dy only where it is > 0. With `db` (else 0), also the bias
 * gradient: that dy summed per channel (f32 within a sample's plane, f64 across samples). A wide
 * position past the row end pairs a zero gradient with a real input, so a sample whose padded
 * input is not all finite (0 * inf is NaN) takes the im2col GEMM instead. `dw` and `db` are
 * overwritten. scratch: padded x (srcFloats), dyw (O4 * Qr), per-lane sums (O4 * E2 * 4), the
 * fallback's im2col buffer (K * P) and dense dy (OC * P), and the bias sums (O4 f64).
 */
export function directWeight(
  x: usize, dy: usize, off: usize, dw: usize, scratch: usize, meta: usize, n0: i32, n1: i32, mask: usize, db: usize,
): void {
  const inC = m(meta, 18), inH = m(meta, 19), inW = m(meta, 20), top = m(meta, 21), left = m(meta, 22);
  const Wr = m(meta, 23), plane = m(meta, 24), srcFloats = m(meta, 25);
  const E = m(meta, 26), O4 = m(meta, 27), Qr = m(meta, 28);
  const OC = m(meta, 30), OH = m(meta, 31), OW = m(meta, 32);
  const E2 = (E + 1) & ~1;
  const K = m(meta, 0) * m(meta, 3) * m(meta, 4), P = m(meta, 13);
  const padded = scratch;
  const dyw = padded + (<usize>srcFloats << 2);
  const sums = dyw + ((<usize>O4 * Qr) << 2);
  const col = sums + ((<usize>O4 * E2) << 4);
  const dense = col + ((<usize>K * P) << 2);
  const biasSums = dense + ((<usize>OC * P) << 2);
  zeroBytes(padded, <usize>srcFloats << 2);
  zeroBytes(dyw, (<usize>O4 * Qr) << 2);
  zeroBytes(sums, (<usize>O4 * E2) << 4);
  zeroBytes(biasSums, <usize>O4 << 3);
  zeroBytes(dw, (<usize>OC * E) << 2);
  const inSize = <usize>inC * inH * inW;
  const dySize = <usize>OC * OH * OW;
  const rowBytes = <usize>Qr << 2;
  for (let n = n0; n < n1; n++) {
    const xs = x + ((<usize>n * inSize) << 2);
    const at = (<usize>n * dySize) << 2;
    padCopy(xs, 0, inC, inH, inW, padded, plane, Wr, top, left);
    padCopy(dy + at, mask ? mask + at : 0, OC, OH, OW, dyw, Qr, Wr, 0, 0);
    if (db) {
      for (let o = 0; o < OC; o++) {
        const row = dyw + <usize>o * rowBytes;
        let acc = f32x4.splat(0);
        for (let q: usize = 0; q < rowBytes; q += 16) acc = f32x4.add(acc, v128.load(row + q));
        const s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
        const b = biasSums + (<usize>o << 3);
        store<f64>(b, load<f64>(b) + <f64>s);
      }
    }
    if (!allFinite(padded, srcFloats)) {
      // The (masked) dy, dense again, for the GEMM.
      for (let o = 0; o < OC; o++) {
        for (let h = 0; h < OH; h++) {
          copyBytes(dense + ((<usize>(o * P + h * OW)) << 2), dyw + ((<usize>(o * Qr + h * Wr)) << 2), <usize>OW << 2);
        }
      }
      im2col(xs, col, meta);
      gemm(0, OC, K, P, dense, P, 1, col, 1, P, dw, K, 0, 1, 0, 0);
      continue;
    }
    for (let ob = 0; ob < O4; ob += 4) {
      const g = dyw + <usize>ob * rowBytes;
      for (let e = 0; e < E2; e += 2) {
        const p0 = padded + <usize>load<i32>(off + (<usize>e << 2));
        const p1 = padded + <usize>load<i32>(off + (<usize>(e + 1) << 2));
        let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        for (let q: usize = 0; q < rowBytes; q += 16) {
          const x0 = v128.load(p0 + q);
          const x1 = v128.load(p1 + q);
          let gv = v128.load(g + q);
          a0 = madd(gv, x0, a0);
          a1 = madd(gv, x1, a1);
          gv = v128.load(g + rowBytes + q);
          b0 = madd(gv, x0, b0);
          b1 = madd(gv, x1, b1);
          gv = v128.load(g + 2 * rowBytes + q);
          c0 = madd(gv, x0, c0);
          c1 = madd(gv, x1, c1);
          gv = v128.load(g + 3 * rowBytes + q);
          d0 = madd(gv, x0, d0);
          d1 = madd(gv, x1, d1);
        }
        // sums[o][e] (four lanes each) for the rows o = ob..ob+3, taps e and e + 1.
        const s = sums + ((<usize>ob * E2 + e) << 4);
        const rs = <usize>E2 << 4;
        v128.store(s, f32x4.add(v128.load(s), a0));
        v128.store(s, f32x4.add(v128.load(s, 16), a1), 16);
        v128.store(s + rs, f32x4.add(v128.load(s + rs), b0));
        v128.store(s + rs, f32x4.add(v128.load(s + rs, 16), b1), 16);
        v128.store(s + 2 * rs, f32x4.add(v128.load(s + 2 * rs), c0));
        v128.store(s + 2 * rs, f32x4.add(v128.load(s + 2 * rs, 16), c1), 16);
        v128.store(s + 3 * rs, f32x4.add(v128.load(s + 3 * rs), d0));
        v128.store(s + 3 * rs, f32x4.add(v128.load(s + 3 * rs, 16), d1), 16);
      }
    }
  }
  for (let o = 0; o < OC; o++) {
    for (let e = 0; e < E; e++) {
      const v = v128.load(sums + ((<usize>o * E2 + e) << 4));
      const at = dw + ((<usize>o * E + e) << 2);
      const lanes = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
      store<f32>(at, load<f32>(at) + lanes);
    }
    if (db) store<f32>(db + (<usize>o << 2), <f32>load<f64>(biasSums + (<usize>o << 3)));
  }
}

/**
 * Pre-splatted weights for `correlate`: ws[r / 4][e][r % 4][lane] = W[r][e] for the R rows (zero
 * rows up to a multiple of 4). Forward (flip 0): W = w as [O][C kh kw]. Input gradient (flip 1):
 * W[c][(o, i, j)] = w[o][c][kh-1-i][kw-1-j], the transposed convolution's taps.
 */
export function splatWeights(w: usize, ws: usize, O: i32, C: i32, kh: i32, kw: i32, flip: i32): void {
  const T = kh * kw;
  const R = flip ? C : O;
  const E = flip ? O * T : C * T;
  const R4 = (R + 3) & ~3;
  for (let r = 0; r < R4; r++) {
    const base = ws + ((<usize>(r >> 2) * E * 4 + (r & 3)) << 4);
    for (let e = 0; e < E; e++) {
      let v: f32 = 0;
      if (r < R) {
        if (flip) {
          const o = e / T, t = e % T, i = t / kw, j = t % kw;
          v = load<f32>(w + ((<usize>(((o * C + r) * kh + kh - 1 - i) * kw + kw - 1 - j)) << 2));
        } else {
          v = load<f32>(w + ((<usize>(r * E + e)) << 2));
        }
      }
      v128.store(base + (<usize>e << 6), f32x4.splat(v));
    }
  }
}
