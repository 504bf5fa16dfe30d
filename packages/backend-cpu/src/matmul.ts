import type { TensorView, TypedArray } from '@nn/tensor';
import { alloc, sizeOfShape } from './strided.js';

// Blocked GEMM in the GotoBLAS layout. A kc×nc slab of B and an mc×kc block of A are packed into
// contiguous double panels (absorbing strides, transposes and the float32→double conversion once),
// then a 2×3 register-blocked micro-kernel sweeps them. The tile is small on purpose: measured on
// V8 (Node 20, x64), 2×3 and 3×2 beat 4×4 and larger by 1.5× because larger tiles spill
// accumulators to the stack. Both packs live in ONE Float64Array and index arithmetic is `| 0`,
// which lets TurboFan keep one base pointer and drop the overflow checks: another ~1.4×.
const MR = 2;
const NR = 3;
const KC = 256;
const MC = 60;
const NC = 1536;
/** Offset of the A block inside the work buffer; B's slab (KC × NC) comes first. */
const A_AT = KC * NC;

/** Both packs; made on first use so importing the backend costs no memory. */
let work: Float64Array | null = null;
/** Output of tiles that overhang the edge of C; its valid part is then added into C. */
const edge = new Float64Array(MR * NR);
let cBuf = new Float64Array(0);

/** A's mc×kc block (row stride rs, column stride cs) as MR-row panels: panel, then p, then rows. */
function packA(
  src: TypedArray,
  off: number,
  rs: number,
  cs: number,
  mc: number,
  kc: number,
  w: Float64Array,
): void {
  let d = A_AT;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const q0 = off + i0 * rs;
    if (i0 + MR <= mc) {
      for (let p = 0, q = q0; p < kc; p++, q += cs) {
        w[d] = src[q];
        w[d + 1] = src[q + rs];
        d += MR;
      }
    } else {
      for (let p = 0, q = q0; p < kc; p++, q += cs) {
        w[d] = src[q];
        w[d + 1] = 0;
        d += MR;
      }
    }
  }
}

/** B's kc×nc slab as NR-column panels: panel, then p, then columns. */
function packB(
  src: TypedArray,
  off: number,
  rs: number,
  cs: number,
  kc: number,
  nc: number,
  w: Float64Array,
): void {
  let d = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = nc - j0;
    const q0 = off + j0 * cs;
    if (cols >= NR) {
      for (let p = 0, q = q0; p < kc; p++, q += rs) {
        w[d] = src[q];
        w[d + 1] = src[q + cs];
        w[d + 2] = src[q + 2 * cs];
        d += NR;
      }
    } else {
      for (let p = 0, q = q0; p < kc; p++, q += rs) {
        w[d] = src[q];
        w[d + 1] = cols > 1 ? src[q + cs] : 0;
        w[d + 2] = 0;
        d += NR;
      }
    }
  }
}

/** C[c + r*ldc + j] += sum_p A[ia + p*MR + r] * B[ib + p*NR + j] for the 2×3 tile, both panels in `w`. */
function kernel2x3(
  kc: number,
  w: Float64Array,
  ia: number,
  ib: number,
  C: Float64Array,
  c: number,
  ldc: number,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  const end = (ia + kc * MR) | 0;
  for (; ia < end; ia = (ia + MR) | 0, ib = (ib + NR) | 0) {
    const b0 = w[ib];
    const b1 = w[(ib + 1) | 0];
    const b2 = w[(ib + 2) | 0];
    let a = w[ia];
    c00 += a * b0;
    c01 += a * b1;
    c02 += a * b2;
    a = w[(ia + 1) | 0];
    c10 += a * b0;
    c11 += a * b1;
    c12 += a * b2;
  }
  C[c] += c00;
  C[c + 1] += c01;
  C[c + 2] += c02;
  c += ldc;
  C[c] += c10;
  C[c + 1] += c11;
  C[c + 2] += c12;
}

/**
 * A single row or column of output: packing would cost as much as the product itself, so these
 * walk the operands in place (B row by row for a row vector, A row by row for a column vector).
 */
function gemvRow(
  n: number,
  k: number,
  A: TypedArray,
  aOff: number,
  acs: number,
  B: TypedArray,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float64Array,
): void {
  let p = 0;
  // Four rows of B per sweep over C: a quarter of the read-modify-write traffic on C.
  for (; p + 4 <= k; p += 4) {
    const a0 = A[aOff + p * acs];
    const a1 = A[aOff + (p + 1) * acs];
    const a2 = A[aOff + (p + 2) * acs];
    const a3 = A[aOff + (p + 3) * acs];
    let q = bOff + p * brs;
    for (let j = 0; j < n; j++, q += bcs) {
      C[j] += a0 * B[q] + a1 * B[q + brs] + a2 * B[q + 2 * brs] + a3 * B[q + 3 * brs];
    }
  }
  for (; p < k; p++) {
    const a = A[aOff + p * acs];
    let q = bOff + p * brs;
    for (let j = 0; j < n; j++, q += bcs) C[j] += a * B[q];
  }
}

function gemvCol(
  m: number,
  k: number,
  A: TypedArray,
  aOff: number,
  ars: number,
  acs: number,
  B: TypedArray,
  bOff: number,
  brs: number,
  C: Float64Array,
): void {
  let i = 0;
  // Four rows of A at once: four independent sums hide the latency of each add chain.
  for (; i + 4 <= m; i += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let q = aOff + i * ars;
    let r = bOff;
    for (let p = 0; p < k; p++, q += acs, r += brs) {
      const b = B[r];
      s0 += A[q] * b;
      s1 += A[q + ars] * b;
      s2 += A[q + 2 * ars] * b;
      s3 += A[q + 3 * ars] * b;
    }
    C[i] += s0;
    C[i + 1] += s1;
    C[i + 2] += s2;
    C[i + 3] += s3;
  }
  for (; i < m; i++) {
    let s = 0;
    let q = aOff + i * ars;
    let r = bOff;
    for (let p = 0; p < k; p++, q += acs, r += brs) s += A[q] * B[r];
    C[i] += s;
  }
}

/** C (m×n, contiguous doubles, zeroed) += A·B for strided A (m×k) and B (k×n). */
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
  if (m === 1) {
    gemvRow(n, k, A, aOff, acs, B, bOff, brs, bcs, C);
    return;
  }
  if (n === 1) {
    gemvCol(m, k, A, aOff, ars, acs, B, bOff, brs, C);
    return;
  }
  if (work === null) work = new Float64Array(A_AT + MC * KC);
  const w = work;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(B, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, w);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(A, aOff + ic * ars + pc * acs, ars, acs, mc, kc, w);
        for (let jr = 0; jr < nc; jr += NR) {
          const ib = (jr / NR) * kc * NR;
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const ia = A_AT + (ir / MR) * kc * MR;
            const c = (ic + ir) * n + jc + jr;
            const rows = Math.min(MR, mc - ir);
            if (rows === MR && cols === NR) {
              kernel2x3(kc, w, ia, ib, C, c, n);
            } else {
              edge.fill(0);
              kernel2x3(kc, w, ia, ib, edge, 0, NR);
              for (let r = 0; r < rows; r++)
                for (let j = 0; j < cols; j++) C[c + r * n + j] += edge[r * NR + j];
            }
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
