import type { TensorView, TypedArray } from '@nn/tensor';
import { alloc, sizeOfShape } from './strided.js';

// Blocked GEMM in the GotoBLAS layout: a kc×nc slab of B and an mc×kc block of A are packed into
// contiguous double panels (which also absorbs any strides, transposes and float32→double
// conversion once), then a 4×4 register-blocked micro-kernel sweeps the panels.
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 2048;

const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);
let cBuf = new Float64Array(0);

/** A's mc×kc block (row stride rs, column stride cs) as MR-row panels: panel, then p, then MR rows. */
function packPanelsA(
  src: TypedArray,
  off: number,
  rs: number,
  cs: number,
  mc: number,
  kc: number,
  dst: Float64Array,
): void {
  let d = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    const base = off + i0 * rs;
    if (rows === MR) {
      for (let p = 0; p < kc; p++) {
        const q = base + p * cs;
        dst[d] = src[q];
        dst[d + 1] = src[q + rs];
        dst[d + 2] = src[q + 2 * rs];
        dst[d + 3] = src[q + 3 * rs];
        d += MR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = base + p * cs;
        for (let r = 0; r < MR; r++) dst[d + r] = r < rows ? src[q + r * rs] : 0;
        d += MR;
      }
    }
  }
}

/** B's kc×nc slab as NR-column panels: panel, then p, then NR columns. */
function packPanelsB(
  src: TypedArray,
  off: number,
  rs: number,
  cs: number,
  kc: number,
  nc: number,
  dst: Float64Array,
): void {
  let d = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    const base = off + j0 * cs;
    if (cols === NR) {
      for (let p = 0; p < kc; p++) {
        const q = base + p * rs;
        dst[d] = src[q];
        dst[d + 1] = src[q + cs];
        dst[d + 2] = src[q + 2 * cs];
        dst[d + 3] = src[q + 3 * cs];
        d += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = base + p * rs;
        for (let c = 0; c < NR; c++) dst[d + c] = c < cols ? src[q + c * cs] : 0;
        d += NR;
      }
    }
  }
}

/** C[c.., ldc] += (A panel)·(B panel) over kc, writing only the rows×cols that exist. */
function kernel4x4(
  kc: number,
  ap: Float64Array,
  ia: number,
  bp: Float64Array,
  ib: number,
  C: Float64Array,
  c: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < kc; p++, ia += MR, ib += NR) {
    const a0 = ap[ia],
      a1 = ap[ia + 1],
      a2 = ap[ia + 2],
      a3 = ap[ia + 3];
    const b0 = bp[ib],
      b1 = bp[ib + 1],
      b2 = bp[ib + 2],
      b3 = bp[ib + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (rows === MR && cols === NR) {
    C[c] += c00;
    C[c + 1] += c01;
    C[c + 2] += c02;
    C[c + 3] += c03;
    c += ldc;
    C[c] += c10;
    C[c + 1] += c11;
    C[c + 2] += c12;
    C[c + 3] += c13;
    c += ldc;
    C[c] += c20;
    C[c + 1] += c21;
    C[c + 2] += c22;
    C[c + 3] += c23;
    c += ldc;
    C[c] += c30;
    C[c + 1] += c31;
    C[c + 2] += c32;
    C[c + 3] += c33;
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) C[c + r * ldc + q] += acc[r * NR + q];
}

/** C (m×n, contiguous doubles, zeroed) = A·B for strided A (m×k) and B (k×n). */
export function gemm(
  m: number,
  n: number,
  k: number,
  A: TypedArray,
  aOff: number,
  ars: number,
  acs: number,
  B: TypedArray,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float64Array,
): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelsB(B, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanelsA(A, aOff + ic * ars + pc * acs, ars, acs, mc, kc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const ib = (jr / NR) * kc * NR;
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x4(
              kc,
              packA,
              (ir / MR) * kc * MR,
              packB,
              ib,
              C,
              (ic + ir) * n + jc + jr,
              n,
              Math.min(MR, mc - ir),
              cols,
            );
          }
        }
      }
    }
  }
}

/** [...batch, m, k] · [...batch, k, n] with any strides; batch dims may have stride 0. */
export function matmul(a: TensorView, b: TensorView): TypedArray {
  const r = a.shape.length;
  const m = a.shape[r - 2];
  const k = a.shape[r - 1];
  const n = b.shape[r - 1];
  const batchShape = a.shape.slice(0, r - 2);
  const batch = sizeOfShape(batchShape);
  const out = alloc(a.dtype, batch * m * n);
  const mn = m * n;
  if (out.length === 0 || k === 0) return out;
  if (cBuf.length < mn) cBuf = new Float64Array(mn);
  const C = cBuf.length === mn ? cBuf : cBuf.subarray(0, mn);
  const A = a.storage as TypedArray;
  const B = b.storage as TypedArray;
  const idx = new Array<number>(batchShape.length).fill(0);
  let ao = a.offset;
  let bo = b.offset;
  for (let t = 0; t < batch; t++) {
    C.fill(0);
    gemm(m, n, k, A, ao, a.strides[r - 2], a.strides[r - 1], B, bo, b.strides[r - 2], b.strides[r - 1], C);
    out.set(C, t * mn);
    for (let d = batchShape.length - 1; d >= 0; d--) {
      idx[d]++;
      ao += a.strides[d];
      bo += b.strides[d];
      if (idx[d] < batchShape[d]) break;
      ao -= a.strides[d] * batchShape[d];
      bo -= b.strides[d] * batchShape[d];
      idx[d] = 0;
    }
  }
  return out;
}
