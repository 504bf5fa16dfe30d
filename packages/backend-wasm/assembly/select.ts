// f32 comparisons (bool out) and where(cond, a, b) over broadcast operands. Layout metadata at
// `meta` (i32): shape[rank] then one stride array per operand (elements); `idx` is rank i32 of
// scratch. The host collapses dims first, so the inner loop is long.

// @ts-expect-error: decorator
@inline
function cmp(op: i32, a: f32, b: f32): u8 {
  switch (op) {
    case 0: return <u8>(a == b);
    case 1: return <u8>(a != b);
    case 2: return <u8>(a < b);
    case 3: return <u8>(a <= b);
    case 4: return <u8>(a > b);
    default: return <u8>(a >= b);
  }
}

// @ts-expect-error: decorator
@inline
function cmpv(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case 0: return f32x4.eq(a, b);
    case 1: return f32x4.ne(a, b);
    case 2: return f32x4.lt(a, b);
    case 3: return f32x4.le(a, b);
    case 4: return f32x4.gt(a, b);
    default: return f32x4.ge(a, b);
  }
}

/** 16 comparisons to 16 bool bytes: lane masks narrowed twice, then masked to 0/1. */
// @ts-expect-error: decorator
@inline
function cmp16(op: i32, out: usize, pa: usize, pb: usize, ia: i32, ib: i32): void {
  const sa = v128.load32_splat(pa);
  const sb = v128.load32_splat(pb);
  const m0 = cmpv(op, ia == 1 ? v128.load(pa) : sa, ib == 1 ? v128.load(pb) : sb);
  const m1 = cmpv(op, ia == 1 ? v128.load(pa, 16) : sa, ib == 1 ? v128.load(pb, 16) : sb);
  const m2 = cmpv(op, ia == 1 ? v128.load(pa, 32) : sa, ib == 1 ? v128.load(pb, 32) : sb);
  const m3 = cmpv(op, ia == 1 ? v128.load(pa, 48) : sa, ib == 1 ? v128.load(pb, 48) : sb);
  const lo = i16x8.narrow_i32x4_s(m0, m1);
  const hi = i16x8.narrow_i32x4_s(m2, m3);
  v128.store(out, v128.and(i8x16.narrow_i16x8_s(lo, hi), i8x16.splat(1)));
}

// @ts-expect-error: decorator
@inline
function compareOp(op: i32, out: usize, a: usize, b: usize, rank: i32, meta: usize, idx: usize): void {
  const shape = meta;
  const sa = meta + (<usize>rank << 2);
  const sb = sa + (<usize>rank << 2);
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(shape + last);
  const ia = load<i32>(sa + last);
  const ib = load<i32>(sb + last);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) {
    outer *= load<i32>(shape + (<usize>d << 2));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  let offA: i32 = 0;
  let offB: i32 = 0;
  for (let o = 0; o < outer; o++) {
    const pa = a + (<usize>offA << 2);
    const pb = b + (<usize>offB << 2);
    let i = 0;
    if ((ia == 1 || ia == 0) && (ib == 1 || ib == 0)) {
      for (; i + 16 <= inner; i += 16) {
        cmp16(op, out + <usize>i, pa + (<usize>(i * ia) << 2), pb + (<usize>(i * ib) << 2), ia, ib);
      }
    }
    for (; i < inner; i++) {
      store<u8>(out + <usize>i, cmp(op, load<f32>(pa + (<usize>(i * ia) << 2)), load<f32>(pb + (<usize>(i * ib) << 2))));
    }
    out += <usize>inner;
    let d = rank - 2;
    while (d >= 0) {
      const p = <usize>d << 2;
      const v = load<i32>(idx + p) + 1;
      const sad = load<i32>(sa + p);
      const sbd = load<i32>(sb + p);
      if (v < load<i32>(shape + p)) {
        store<i32>(idx + p, v);
        offA += sad;
        offB += sbd;
        break;
      }
      store<i32>(idx + p, 0);
      offA -= sad * (v - 1);
      offB -= sbd * (v - 1);
      d--;
    }
  }
}

/** out (u8) = a (op) b; op: 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge. */
export function compareF32(op: i32, out: usize, a: usize, b: usize, rank: i32, meta: usize, idx: usize): void {
  switch (op) {
    case 0: compareOp(0, out, a, b, rank, meta, idx); break;
    case 1: compareOp(1, out, a, b, rank, meta, idx); break;
    case 2: compareOp(2, out, a, b, rank, meta, idx); break;
    case 3: compareOp(3, out, a, b, rank, meta, idx); break;
    case 4: compareOp(4, out, a, b, rank, meta, idx); break;
    default: compareOp(5, out, a, b, rank, meta, idx); break;
  }
}

/** out = cond ? a : b (cond u8; a, b, out f32). Strides: cond, a, b. */
export function whereF32(out: usize, cond: usize, a: usize, b: usize, rank: i32, meta: usize, idx: usize): void {
  const shape = meta;
  const sc = meta + (<usize>rank << 2);
  const sa = sc + (<usize>rank << 2);
  const sb = sa + (<usize>rank << 2);
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(shape + last);
  const ic = load<i32>(sc + last);
  const ia = load<i32>(sa + last);
  const ib = load<i32>(sb + last);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) {
    outer *= load<i32>(shape + (<usize>d << 2));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  let offC: i32 = 0;
  let offA: i32 = 0;
  let offB: i32 = 0;
  for (let o = 0; o < outer; o++) {
    const pc = cond + <usize>offC;
    const pa = a + (<usize>offA << 2);
    const pb = b + (<usize>offB << 2);
    let i = 0;
    if (ic == 1 && (ia == 1 || ia == 0) && (ib == 1 || ib == 0)) {
      // 4 lanes: widen 4 condition bytes to a lane mask, then select.
      const sa4 = v128.load32_splat(pa);
      const sb4 = v128.load32_splat(pb);
      for (; i + 4 <= inner; i += 4) {
        const c8 = v128.load32_zero(pc + <usize>i);
        const c32 = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(c8));
        const mask = i32x4.ne(c32, i32x4.splat(0));
        const va = ia == 1 ? v128.load(pa + (<usize>i << 2)) : sa4;
        const vb = ib == 1 ? v128.load(pb + (<usize>i << 2)) : sb4;
        v128.store(out + (<usize>i << 2), v128.bitselect(va, vb, mask));
      }
    }
    for (; i < inner; i++) {
      const va = load<f32>(pa + (<usize>(i * ia) << 2));
      const vb = load<f32>(pb + (<usize>(i * ib) << 2));
      store<f32>(out + (<usize>i << 2), load<u8>(pc + <usize>(i * ic)) != 0 ? va : vb);
    }
    out += <usize>inner << 2;
    let d = rank - 2;
    while (d >= 0) {
      const p = <usize>d << 2;
      const v = load<i32>(idx + p) + 1;
      const scd = load<i32>(sc + p);
      const sad = load<i32>(sa + p);
      const sbd = load<i32>(sb + p);
      if (v < load<i32>(shape + p)) {
        store<i32>(idx + p, v);
        offC += scd;
        offA += sad;
        offB += sbd;
        break;
      }
      store<i32>(idx + p, 0);
      offC -= scd * (v - 1);
      offA -= sad * (v - 1);
      offB -= sbd * (v - 1);
      d--;
    }
  }
}

/** out = g where x > 0, else 0 (relu's gradient; NaN in x gives 0), over n contiguous floats. */
export function reluBackwardF32(out: usize, x: usize, g: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) > 0 ? load<f32>(g + o) : 0);
  }
}
