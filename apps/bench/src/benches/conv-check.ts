/**
 * Float64 reference for the conv bench: y = conv2d(x, w, b) (valid, stride 1), loss = sum(y).
 * Then dL/db[o] = N·oH·oW, dL/dw[o,c,ki,kj] = Σ x over the window offsets, dL/dx = Σ of the
 * kernels covering each pixel: cheap to compute exactly, and wrong in any broken backward pass.
 */
import { WrongResultError } from './matmul-check.js';

export interface ConvProblem {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly outC: number;
  readonly k: number;
  /** NCHW */
  readonly x: Float32Array;
  /** [outC, c, k, k] */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface ConvResult {
  /** sum of y */
  readonly ySum: number;
  /** NCHW */
  readonly dx: ArrayLike<number>;
  /** [outC, c, k, k] */
  readonly dw: ArrayLike<number>;
  readonly db: ArrayLike<number>;
}

export function referenceConv(p: ConvProblem): {
  ySum: number;
  dx: Float64Array;
  dw: Float64Array;
  db: Float64Array;
} {
  const oh = p.h - p.k + 1;
  const ow = p.w - p.k + 1;
  let ySum = 0;
  const dw = new Float64Array(p.outC * p.c * p.k * p.k);
  const dx = new Float64Array(p.n * p.c * p.h * p.w);
  const db = new Float64Array(p.outC).fill(p.n * oh * ow);
  // Window sums of x per (c, ki, kj): dw is the same for every output channel.
  const win = new Float64Array(p.c * p.k * p.k);
  for (let n = 0; n < p.n; n++)
    for (let c = 0; c < p.c; c++)
      for (let ki = 0; ki < p.k; ki++)
        for (let kj = 0; kj < p.k; kj++) {
          let s = 0;
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) s += p.x[((n * p.c + c) * p.h + i + ki) * p.w + j + kj];
          win[(c * p.k + ki) * p.k + kj] += s;
        }
  for (let o = 0; o < p.outC; o++) {
    ySum += p.bias[o] * p.n * oh * ow;
    for (let q = 0; q < win.length; q++) {
      dw[o * win.length + q] = win[q];
      ySum += p.weight[o * win.length + q] * win[q];
    }
  }
  // Σ_o w[o, c, ki, kj] summed over the kernel offsets that cover pixel (i, j).
  const wsum = new Float64Array(p.c * p.k * p.k);
  for (let o = 0; o < p.outC; o++)
    for (let q = 0; q < wsum.length; q++) wsum[q] += p.weight[o * wsum.length + q];
  for (let n = 0; n < p.n; n++)
    for (let c = 0; c < p.c; c++)
      for (let i = 0; i < p.h; i++)
        for (let j = 0; j < p.w; j++) {
          let s = 0;
          for (let ki = 0; ki < p.k; ki++) {
            const yi = i - ki;
            if (yi < 0 || yi >= oh) continue;
            for (let kj = 0; kj < p.k; kj++) {
              const yj = j - kj;
              if (yj < 0 || yj >= ow) continue;
              s += wsum[(c * p.k + ki) * p.k + kj];
            }
          }
          dx[((n * p.c + c) * p.h + i) * p.w + j] = s;
        }
  return { ySum, dx, dw, db };
}

function compare(what: string, name: string, got: ArrayLike<number>, want: Float64Array, rel: number): void {
  if (got.length !== want.length)
    throw new WrongResultError(`${what}: ${name} has ${got.length} values, expected ${want.length}`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const tol = rel * scale + 1e-5;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new WrongResultError(
        `${what}: ${name}[${i}] = ${got[i]}, expected ${want[i]} (tolerance ${tol.toExponential(2)})`,
      );
    }
  }
}

export function checkConv(p: ConvProblem, r: ConvResult, what: string): void {
  const ref = referenceConv(p);
  compare(what, 'sum(y)', [r.ySum], Float64Array.of(ref.ySum), 1e-3);
  compare(what, 'dL/dx', r.dx, ref.dx, 1e-4);
  compare(what, 'dL/dweight', r.dw, ref.dw, 1e-4);
  compare(what, 'dL/dbias', r.db, ref.db, 1e-5);
}

/** NCHW -> NHWC (tfjs's layout), and back for gradients. */
export function nchwToNhwc(a: ArrayLike<number>, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) out[((b * h + i) * w + j) * c + ch] = a[((b * c + ch) * h + i) * w + j];
  return out;
}

export function nhwcToNchw(a: ArrayLike<number>, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) out[((b * c + ch) * h + i) * w + j] = a[((b * h + i) * w + j) * c + ch];
  return out;
}

/** [outC, inC, kH, kW] (PyTorch) <-> [kH, kW, inC, outC] (tfjs). */
export function oihwToHwio(a: ArrayLike<number>, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(o * i * k * k);
  for (let oc = 0; oc < o; oc++)
    for (let ic = 0; ic < i; ic++)
      for (let y = 0; y < k; y++)
        for (let x = 0; x < k; x++) out[((y * k + x) * i + ic) * o + oc] = a[((oc * i + ic) * k + y) * k + x];
  return out;
}

export function hwioToOihw(a: ArrayLike<number>, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(o * i * k * k);
  for (let oc = 0; oc < o; oc++)
    for (let ic = 0; ic < i; ic++)
      for (let y = 0; y < k; y++)
        for (let x = 0; x < k; x++) out[((oc * i + ic) * k + y) * k + x] = a[((y * k + x) * i + ic) * o + oc];
  return out;
}
