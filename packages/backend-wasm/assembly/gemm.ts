// Packed, register-blocked SIMD GEMM: C (m x n) = A (m x k) . B (k x n), all f32.
// A and B are read through element strides, so transposed views need no copy. Blocking follows
// the GotoBLAS scheme: a KC x NC slab of B is packed into 8-column panels, an MC x KC slab of A
// into 4-row panels that stay in L2 while each B panel sits in L1, and a 4 x 8 micro-kernel keeps
// eight f32x4 accumulators in registers.
//
// The baseline build packs A pre-splatted: each element as a whole f32x4 of four copies, so the
// micro-kernel reads A with plain v128 loads, whose constant offsets V8 folds into the address,
// where load32_splat costs V8 (11.3, Node 20) an extra address computation per row and k-step.
// Its mul + add kernel is bound by instruction issue on x86-64, not arithmetic, so dropping those
// instructions made it ~15% faster. The relaxed build's fused multiply-add kernel has issue slots
// to spare and is bound by the FMA units instead; there the 4x larger A panels only cost cache
// traffic (~3% slower), so it keeps A packed plainly and splats while loading.

import { madd } from './simd';

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const NC: i32 = 1024;
/** Floats one packed A element takes: 4 (pre-splatted) in the baseline build, 1 in the relaxed one. */
const SPLAT: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 4;
/** Rows of the A slab: its packed bytes (MC x KC x SPLAT floats) stay within half of L2. */
const MC: i32 = ASC_FEATURE_RELAXED_SIMD ? 128 : 64;

/** Bytes of scratch one `gemm` call needs (packed A slab + packed B slab + an edge tile). */
export function gemmScratchBytes(): i32 {
  return (MC * KC * SPLAT + KC * NC + MR * NR) * 4;
}

/**
 * Stores A's element at `src` as packed row `r` of a k-step at `dst`: four copies (pre-splatted)
 * in the baseline build, one in the relaxed build.
 */
// @ts-expect-error: decorator
@inline
function putA(dst: usize, r: i32, src: usize): void {
  if (SPLAT == 4) v128.store(dst + (<usize>r << 4), v128.load32_splat(src));
  else store<f32>(dst + (<usize>r << 2), load<f32>(src));
}

/** Packed row `r` of the k-step at `ap`, splatted to four lanes (`r` is a constant). */
// @ts-expect-error: decorator
@inline
function getA(ap: usize, r: i32): v128 {
  if (SPLAT == 4) return v128.load(ap + (<usize>r << 4));
  return v128.load32_splat(ap + (<usize>r << 2));
}

/**
 * Packs rows [i0, i0 + mc) x k-range [p0, p0 + kc) of A into 4-row panels, k-step after k-step
 * (MR x SPLAT floats each); rows past the end are zeros.
 */
function packA(a: usize, rsA: i32, csA: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const step = <usize>csA * 4;
  const r1 = <usize>rsA * 4;
  const stepOut = <usize>(MR * SPLAT * 4);
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    let src = a + (<usize>(i0 + ip) * rsA + <usize>p0 * csA) * 4;
    if (rows == MR && SPLAT == 1 && rsA == 1) {
      // A is a transposed view: the panel's 4 rows at one k are adjacent, already a packed k-step.
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += step;
        dst += 16;
      }
    } else if (rows == MR && SPLAT == 1 && csA == 1) {
      // Row-major A: 4x4 blocks (4 rows, 4 k-steps) transposed in registers; element by element
      // this packing took ~3% of a 512 x 512 product.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const x0 = v128.load(src);
        const x1 = v128.load(src + r1);
        const x2 = v128.load(src + 2 * r1);
        const x3 = v128.load(src + 3 * r1);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        src += 16;
        dst += 64;
      }
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) putA(dst, r, src + <usize>r * r1);
        src += 4;
        dst += 16;
      }
    } else if (rows == MR) {
      for (let p = 0; p < kc; p++) {
        putA(dst, 0, src);
        putA(dst, 1, src + r1);
        putA(dst, 2, src + 2 * r1);
        putA(dst, 3, src + 3 * r1);
        src += step;
        dst += stepOut;
      }
    } else {
      memory.fill(dst, 0, <usize>kc * stepOut);
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < rows; r++) putA(dst, r, src + <usize>r * r1);
        src += step;
        dst += stepOut;
      }
    }
  }
}

function packB(b: usize, rsB: i32, csB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const base = b + (<usize>p0 * rsB + <usize>(j0 + jp) * csB) * 4;
    const step = <usize>rsB * 4;
    if (cols == NR && csB == 1) {
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += step;
        dst += 32;
      }
    } else if (cols == NR && rsB == 1) {
      // B is a transposed view (x @ W^T): each column runs along k. 4x4 blocks are transposed in
      // registers, 4 k-steps and 4 columns at a time.
      const cs = <usize>csB * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const src = base + (<usize>p << 2);
        for (let h = 0; h < 2; h++) {
          const s = src + <usize>(4 * h) * cs;
          const r0 = v128.load(s);
          const r1 = v128.load(s + cs);
          const r2 = v128.load(s + 2 * cs);
          const r3 = v128.load(s + 3 * cs);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const d = dst + (<usize>h << 4);
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        }
        dst += 128;
      }
      for (; p < kc; p++) {
        for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), load<f32>(base + (<usize>p + <usize>c * csB) * 4));
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < cols ? load<f32>(base + (<usize>p * rsB + <usize>c * csB) * 4) : 0;
          store<f32>(dst + (<usize>c << 2), v);
        }
        dst += 32;
      }
    }
  }
}

/** Stores (or, with `acc`, adds into) a 4 x 8 tile of C: rows `ldcBytes` apart, two vectors each. */
// @ts-expect-error: decorator
@inline
export function tileStore(dst: usize, ldcBytes: usize, acc: bool, r0a: v128, r0b: v128, r1a: v128, r1b: v128, r2a: v128, r2b: v128, r3a: v128, r3b: v128): void {
  if (acc) {
    r0a = f32x4.add(r0a, v128.load(dst));
    r0b = f32x4.add(r0b, v128.load(dst, 16));
    r1a = f32x4.add(r1a, v128.load(dst + ldcBytes));
    r1b = f32x4.add(r1b, v128.load(dst + ldcBytes, 16));
    r2a = f32x4.add(r2a, v128.load(dst + 2 * ldcBytes));
    r2b = f32x4.add(r2b, v128.load(dst + 2 * ldcBytes, 16));
    r3a = f32x4.add(r3a, v128.load(dst + 3 * ldcBytes));
    r3b = f32x4.add(r3b, v128.load(dst + 3 * ldcBytes, 16));
  }
  v128.store(dst, r0a);
  v128.store(dst, r0b, 16);
  v128.store(dst + ldcBytes, r1a);
  v128.store(dst + ldcBytes, r1b, 16);
  v128.store(dst + 2 * ldcBytes, r2a);
  v128.store(dst + 2 * ldcBytes, r2b, 16);
  v128.store(dst + 3 * ldcBytes, r3a);
  v128.store(dst + 3 * ldcBytes, r3b, 16);
}

/**
 * 4 x 8 tile of packed A panel times packed B panel, stored (acc=false) or added (acc=true) into C.
 *
 * Two k-steps per pass with an exit test between them: V8 (TurboFan) can schedule every load of a
 * basic block ahead of the arithmetic, so one block holding two k-steps needs 8 accumulators + 12
 * loaded vectors and spills (x86-64 gives it 15); the mid-pass exit puts each k-step in its own
 * block, and the second step skips the loop's stack check and branch.
 */
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, rows: i32, cols: i32, acc: bool, edge: usize): void {
  let c0a = f32x4.splat(0), c0b = f32x4.splat(0);
  let c1a = f32x4.splat(0), c1b = f32x4.splat(0);
  let c2a = f32x4.splat(0), c2b = f32x4.splat(0);
  let c3a = f32x4.splat(0), c3b = f32x4.splat(0);
  const stepA = <usize>(MR * SPLAT * 4);
  const aEnd = ap + <usize>kc * stepA;
  while (ap < aEnd) {
    let b0 = v128.load(bp);
    let b1 = v128.load(bp, 16);
    let a = getA(ap, 0);
    c0a = madd(a, b0, c0a);
    c0b = madd(a, b1, c0b);
    a = getA(ap, 1);
    c1a = madd(a, b0, c1a);
    c1b = madd(a, b1, c1b);
    a = getA(ap, 2);
    c2a = madd(a, b0, c2a);
    c2b = madd(a, b1, c2b);
    a = getA(ap, 3);
    c3a = madd(a, b0, c3a);
    c3b = madd(a, b1, c3b);
    if (ap + stepA >= aEnd) break;
    b0 = v128.load(bp, 32);
    b1 = v128.load(bp, 48);
    a = getA(ap, MR);
    c0a = madd(a, b0, c0a);
    c0b = madd(a, b1, c0b);
    a = getA(ap, MR + 1);
    c1a = madd(a, b0, c1a);
    c1b = madd(a, b1, c1b);
    a = getA(ap, MR + 2);
    c2a = madd(a, b0, c2a);
    c2b = madd(a, b1, c2b);
    a = getA(ap, MR + 3);
    c3a = madd(a, b0, c3a);
    c3b = madd(a, b1, c3b);
    ap += 2 * stepA;
    bp += 64;
  }
  const ldcBytes = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    tileStore(c, ldcBytes, acc, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
    return;
  }
  tileStore(edge, 32, false, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const dst = c + <usize>r * ldcBytes + (<usize>j << 2);
      const v = load<f32>(edge + ((<usize>(r * NR + j)) << 2));
      store<f32>(dst, acc ? load<f32>(dst) + v : v);
    }
  }
}

/** Epilogue bits: add `bias` per column of C (a Linear layer) or per row (a convolution's channels), then relu. */
export const BIAS_COLS: i32 = 1;
export const BIAS_ROWS: i32 = 2;
export const RELU: i32 = 4;

/**
 * Rows [m0, m1) of C (n columns, leading dimension ldc) after the product: plus the bias, then
 * max(., 0). Run by the thread that wrote those rows, while they are still in its cache.
 */
function epilogue(c: usize, m0: i32, m1: i32, n: i32, ldc: i32, bias: usize, epi: i32): void {
  const zero = f32x4.splat(0);
  const relu = (epi & RELU) != 0;
  const cols = (epi & BIAS_COLS) != 0;
  const rows = (epi & BIAS_ROWS) != 0;
  for (let i = m0; i < m1; i++) {
    const row = c + <usize>i * ldc * 4;
    const rb = rows ? f32x4.splat(load<f32>(bias + (<usize>i << 2))) : zero;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const at = row + (<usize>j << 2);
      let v = f32x4.add(v128.load(at), cols ? v128.load(bias + (<usize>j << 2)) : rb);
      // max(v, 0) keeps NaN, as relu does.
      if (relu) v = f32x4.max(v, zero);
      v128.store(at, v);
    }
    for (; j < n; j++) {
      const at = row + (<usize>j << 2);
      let v = load<f32>(at) + (cols ? load<f32>(bias + (<usize>j << 2)) : f32x4.extract_lane(rb, 0));
      if (relu) v = v > 0 || v != v ? v : 0;
      store<f32>(at, v);
    }
  }
}

/**
 * Rows [m0, m1) of C = A . B (or C += A . B when `accumulate` is 1), then the epilogue `epi`
 * (BIAS_COLS | BIAS_ROWS | RELU bits, 0 for none) with `bias`. Strides are in elements, pointers in
 * bytes; C is row-major with leading dimension ldc. `scratch` holds gemmScratchBytes() bytes (one
 * per thread).
 */
export function gemm(
  m0: i32, m1: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, scratch: usize, accumulate: i32,
  bias: usize, epi: i32,
): void {
  const packedA = scratch;
  const packedB = scratch + <usize>(MC * KC * SPLAT) * 4;
  const edge = packedB + <usize>(KC * NC) * 4;
  if (k == 0) {
    if (accumulate == 0) for (let i = m0; i < m1; i++) memory.fill(c + <usize>i * ldc * 4, 0, <usize>n * 4);
    if (epi != 0) epilogue(c, m0, m1, n, ldc, bias, epi);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, rsB, csB, pc, kc, jc, nc, packedB);
      block(m0, m1, jc, nc, pc, kc, a, rsA, csA, packedB, c, ldc, packedA, edge, pc > 0 || accumulate != 0);
    }
  }
  if (epi != 0) epilogue(c, m0, m1, n, ldc, bias, epi);
}

/** Rows [m0, m1) of one (jc, pc) block of C against B panels packed at `bp` (kc x NR floats each). */
function block(
  m0: i32, m1: i32, jc: i32, nc: i32, pc: i32, kc: i32,
  a: usize, rsA: i32, csA: i32, bp0: usize,
  c: usize, ldc: i32, packedA: usize, edge: usize, acc: bool,
): void {
  for (let ic = m0; ic < m1; ic += MC) {
    const mc = min(MC, m1 - ic);
    packA(a, rsA, csA, ic, mc, pc, kc, packedA);
    for (let jr = 0; jr < nc; jr += NR) {
      const bp = bp0 + <usize>(jr * kc) * 4;
      const cols = min(NR, nc - jr);
      for (let ir = 0; ir < mc; ir += MR) {
        const ap = packedA + <usize>(ir * kc * SPLAT) * 4;
        const dst = c + (<usize>(ic + ir) * ldc + <usize>(jc + jr)) * 4;
        micro(kc, ap, bp, dst, ldc, min(MR, mc - ir), cols, acc, edge);
      }
    }
  }
}

/** Bytes of all of B packed by packBAll (k x n, columns padded to NR). */
export function packedBBytes(k: i32, n: i32): i32 {
  return k * ((n + NR - 1) / NR) * NR * 4;
}

/**
 * Packs columns [j0, j1) of B (j0 a multiple of NR) for every k-block into `dst`, laid out so that
 * the panel of k-block pc at column j starts at float pc * npad + j * kc. Threads pack disjoint
 * column ranges, then every thread reads the whole of it in gemmPackedB.
 */
export function packBAll(b: usize, rsB: i32, csB: i32, k: i32, n: i32, j0: i32, j1: i32, dst: usize): void {
  const npad = ((n + NR - 1) / NR) * NR;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    packB(b, rsB, csB, pc, kc, j0, j1 - j0, dst + (<usize>pc * npad + <usize>j0 * kc) * 4);
  }
}

/**
 * gemm with B already packed by packBAll: the same blocks in the same order, so every element of
 * C gets exactly the value gemm gives, but threads splitting the rows do not each pack all of B.
 */
export function gemmPackedB(
  m0: i32, m1: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  pb: usize, c: usize, ldc: i32, scratch: usize, accumulate: i32,
  bias: usize, epi: i32,
): void {
  const packedA = scratch;
  const edge = scratch + <usize>(MC * KC * SPLAT + KC * NC) * 4;
  const npad = ((n + NR - 1) / NR) * NR;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const bp = pb + (<usize>pc * npad + <usize>jc * kc) * 4;
      block(m0, m1, jc, nc, pc, kc, a, rsA, csA, bp, c, ldc, packedA, edge, pc > 0 || accumulate != 0);
    }
  }
  if (epi != 0) epilogue(c, m0, m1, n, ldc, bias, epi);
}
