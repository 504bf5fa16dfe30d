// Scaled dot-product attention, forward and backward, f32. Per batch, query rows go in blocks of
// ROWS: the block's scores against every key (ROWS x S, in a per-job work buffer) come from the
// packed GEMM, are scaled, masked and turned into weights in place, and a second GEMM applies
// them to V. Memory is ROWS x S per job, never L x S. The backward rebuilds the weights from the
// saved row logsumexp the same way (flash-attention's recomputation).
//
// meta (i32): [L, S, E, Ev, causal, maskKind (0 none, 1 bool u8, 2 additive f32), mask row stride,
// mask column stride (elements), scale (f32 bits), ROWS, 6 unused, then per batch the byte
// address of that batch's mask[0][0]].
import { gemm } from './gemm';
import { zeroBytes } from './mem';

// @ts-expect-error: decorator
@inline
function m(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

const MASK_AT = 16;

/** e^x in four lanes (Cephes' expf polynomial, ~1e-7 relative); exactly 0 below -87.3 and for -inf. */
// @ts-expect-error: decorator
@inline
function exp4(x: v128): v128 {
  const lo = f32x4.splat(-87.33654);
  const under = f32x4.lt(x, lo);
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(88.37626)), lo);
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(y, scale), under);
}

// @ts-expect-error: decorator
@inline
function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

/**
 * Scores of query rows [i0, i1) of one batch against keys [0, n): sc[r][j] = q_i . k_j * scale,
 * then -inf where masked (causal: j > i; bool mask false) or + the additive mask.
 */
function scores(q: usize, k: usize, sc: usize, meta: usize, maskAt: usize, i0: i32, i1: i32, n: i32, scratch: usize): void {
  const E = m(meta, 2), causal = m(meta, 4), kind = m(meta, 5), rs = m(meta, 6), cs = m(meta, 7);
  const scale = reinterpret<f32>(m(meta, 8));
  const rows = i1 - i0;
  gemm(0, rows, n, E, q + ((<usize>i0 * E) << 2), E, 1, k, 1, E, sc, n, scratch, 0, 0, 0);
  const sv = f32x4.splat(scale);
  const ninf = f32x4.splat(-Infinity);
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    const row = sc + ((<usize>r * n) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const at = row + (<usize>j << 2);
      v128.store(at, f32x4.mul(v128.load(at), sv));
    }
    for (; j < n; j++) {
      const at = row + (<usize>j << 2);
      store<f32>(at, load<f32>(at) * scale);
    }
    if (causal != 0) {
      j = i + 1;
      for (; j < n && (j & 3) != 0; j++) store<f32>(row + (<usize>j << 2), -Infinity);
      for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), ninf);
      for (; j < n; j++) store<f32>(row + (<usize>j << 2), -Infinity);
    } else if (kind == 1) {
      const mrow = maskAt + <usize>i * rs;
      for (j = 0; j < n; j++) {
        if (load<u8>(mrow + <usize>j * cs) == 0) store<f32>(row + (<usize>j << 2), -Infinity);
      }
    } else if (kind == 2) {
      const mrow = maskAt + ((<usize>i * rs) << 2);
      for (j = 0; j < n; j++) {
        const at = row + (<usize>j << 2);
        store<f32>(at, load<f32>(at) + load<f32>(mrow + ((<usize>j * cs) << 2)));
      }
    }
  }
}

function rowMax(x: usize, n: i32): f32 {
  let acc = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.max(acc, v128.load(x + (<usize>j << 2)));
  acc = f32x4.max(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
  acc = f32x4.max(acc, v128.shuffle<f32>(acc, acc, 1, 0, 3, 2));
  let mx = f32x4.extract_lane(acc, 0);
  for (; j < n; j++) mx = max(mx, load<f32>(x + (<usize>j << 2)));
  return mx;
}

/** x[j] = exp(x[j] - shift) in place; returns the sum. */
function expShift(x: usize, n: i32, shift: f32): f32 {
  const sv = f32x4.splat(shift);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = x + (<usize>j << 2);
    const e = exp4(f32x4.sub(v128.load(at), sv));
    v128.store(at, e);
    acc = f32x4.add(acc, e);
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < n; j++) {
    const at = x + (<usize>j << 2);
    const e = exp1(load<f32>(at) - shift);
    store<f32>(at, e);
    s += e;
  }
  return s;
}

/** Keys query rows [i0, i1) see: all S, or up to the block's last row when causal. */
// @ts-expect-error: decorator
@inline
function keysFor(meta: usize, i1: i32): i32 {
  return m(meta, 4) != 0 ? min(m(meta, 1), i1) : m(meta, 1);
}

/** out [B, L, Ev] and lse [B, L] for batches [b0, b1); work holds ROWS x S + ROWS floats. */
export function attentionForward(q: usize, k: usize, v: usize, out: usize, lse: usize, meta: usize, work: usize, scratch: usize, b0: i32, b1: i32): void {
  const L = m(meta, 0), S = m(meta, 1), E = m(meta, 2), Ev = m(meta, 3), ROWS = m(meta, 9);
  const sums = work + ((<usize>ROWS * S) << 2);
  for (let b = b0; b < b1; b++) {
    const qb = q + ((<usize>b * L * E) << 2);
    const kb = k + ((<usize>b * S * E) << 2);
    const vb = v + ((<usize>b * S * Ev) << 2);
    const ob = out + ((<usize>b * L * Ev) << 2);
    const lb = lse + ((<usize>b * L) << 2);
    const maskAt = <usize>m(meta, MASK_AT + b);
    for (let i0 = 0; i0 < L; i0 += ROWS) {
      const i1 = min(L, i0 + ROWS);
      const n = keysFor(meta, i1);
      scores(qb, kb, work, meta, maskAt, i0, i1, n, scratch);
      for (let r = 0; r < i1 - i0; r++) {
        const row = work + ((<usize>r * n) << 2);
        const mx = rowMax(row, n);
        if (mx == -Infinity) {
          // Every key masked out: weights 0 (so the output row is 0), lse +inf.
          zeroBytes(row, <usize>n << 2);
          store<f32>(sums + (<usize>r << 2), 0);
          store<f32>(lb + (<usize>(i0 + r) << 2), Infinity);
          continue;
        }
        const s = expShift(row, n, mx);
        store<f32>(sums + (<usize>r << 2), s);
        store<f32>(lb + (<usize>(i0 + r) << 2), mx + <f32>Math.log(<f64>s));
      }
      const o = ob + ((<usize>i0 * Ev) << 2);
      gemm(0, i1 - i0, Ev, n, work, n, 1, vb, Ev, 1, o, Ev, scratch, 0, 0, 0);
      for (let r = 0; r < i1 - i0; r++) {
        const s = load<f32>(sums + (<usize>r << 2));
        if (s == 0) continue;
        const inv = f32x4.splat(1 / s);
        const orow = o + ((<usize>r * Ev) << 2);
        let c = 0;
        for (; c + 4 <= Ev; c += 4) {
          const at = orow + (<usize>c << 2);
          v128.store(at, f32x4.mul(v128.load(at), inv));
        }
        for (; c < Ev; c++) {
          const at = orow + (<usize>c << 2);
          store<f32>(at, load<f32>(at) / s);
        }
      }
    }
  }
}

function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(a + (<usize>j << 2)), v128.load(b + (<usize>j << 2))));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < n; j++) s += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return s;
}

/**
 * dq, dk, dv for batches [b0, b1); work holds 2 x ROWS x S + ROWS floats. Per block of query rows:
 * P = exp(scores - lse), dV += Pᵀ dO, dP = dO Vᵀ, dS = P (dP - rowsum(dO o)) scale, dQ = dS K,
 * dK += dSᵀ Q.
 */
export function attentionBackward(q: usize, k: usize, v: usize, o: usize, lse: usize, dout: usize, dq: usize, dk: usize, dv: usize, meta: usize, work: usize, scratch: usize, b0: i32, b1: i32): void {
  const L = m(meta, 0), S = m(meta, 1), E = m(meta, 2), Ev = m(meta, 3), ROWS = m(meta, 9);
  const scale = reinterpret<f32>(m(meta, 8));
  const p = work;
  const dp = work + ((<usize>ROWS * S) << 2);
  for (let b = b0; b < b1; b++) {
    const qb = q + ((<usize>b * L * E) << 2);
    const kb = k + ((<usize>b * S * E) << 2);
    const vb = v + ((<usize>b * S * Ev) << 2);
    const ob = o + ((<usize>b * L * Ev) << 2);
    const gb = dout + ((<usize>b * L * Ev) << 2);
    const lb = lse + ((<usize>b * L) << 2);
    const dqb = dq + ((<usize>b * L * E) << 2);
    const dkb = dk + ((<usize>b * S * E) << 2);
    const dvb = dv + ((<usize>b * S * Ev) << 2);
    const maskAt = <usize>m(meta, MASK_AT + b);
    // dK and dV add up over the row blocks (and causal blocks reach further keys each time).
    zeroBytes(dkb, (<usize>S * E) << 2);
    zeroBytes(dvb, (<usize>S * Ev) << 2);
    for (let i0 = 0; i0 < L; i0 += ROWS) {
      const i1 = min(L, i0 + ROWS);
      const rows = i1 - i0;
      const n = keysFor(meta, i1);
      scores(qb, kb, p, meta, maskAt, i0, i1, n, scratch);
      for (let r = 0; r < rows; r++) expShift(p + ((<usize>r * n) << 2), n, load<f32>(lb + (<usize>(i0 + r) << 2)));
      const g = gb + ((<usize>i0 * Ev) << 2);
      gemm(0, n, Ev, rows, p, 1, n, g, Ev, 1, dvb, Ev, scratch, 1, 0, 0);
      gemm(0, rows, n, Ev, g, Ev, 1, vb, 1, Ev, dp, n, scratch, 0, 0, 0);
      for (let r = 0; r < rows; r++) {
        const off = (<usize>(i0 + r) * Ev) << 2;
        const d = f32x4.splat(dot(g + ((<usize>r * Ev) << 2), ob + off, Ev));
        const sv = f32x4.splat(scale);
        const pr = p + ((<usize>r * n) << 2);
        const dr = dp + ((<usize>r * n) << 2);
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const at = <usize>j << 2;
          v128.store(dr + at, f32x4.mul(f32x4.mul(v128.load(pr + at), f32x4.sub(v128.load(dr + at), d)), sv));
        }
        const ds = f32x4.extract_lane(d, 0);
        for (; j < n; j++) {
          const at = <usize>j << 2;
          store<f32>(dr + at, load<f32>(pr + at) * (load<f32>(dr + at) - ds) * scale);
        }
      }
      gemm(0, rows, E, n, dp, n, 1, kb, E, 1, dqb + ((<usize>i0 * E) << 2), E, scratch, 0, 0, 0);
      gemm(0, n, E, rows, dp, 1, n, qb + ((<usize>i0 * E) << 2), E, 1, dkb, E, scratch, 1, 0, 0);
    }
  }
}
