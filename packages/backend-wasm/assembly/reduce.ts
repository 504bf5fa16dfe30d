import { copyBytes } from './mem';
// f32 reductions of a contiguous [outer, r, inner] block over its middle dim. Sums accumulate
// in f64 so long rows keep the accuracy of the host reference.

const SUM = 0;
const PROD = 1;
const MAX = 2;
const MIN = 3;

function reduceRows(op: i32, out: usize, x: usize, outer: i32, r: i32): void {
  for (let o = 0; o < outer; o++) {
    const base = x + ((<usize>o * r) << 2);
    let i = 0;
    if (op == SUM) {
      // Each lane first adds eight floats in f32 (a rounding error of a few ulp of those eight),
      // then the f64 sums take the result: a quarter of the conversions, and the f64 adds no
      // longer wait on each other at every vector.
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      for (; i + 32 <= r; i += 32) {
        const p = base + ((<usize>i) << 2);
        let a = f32x4.add(v128.load(p), v128.load(p, 16));
        let b = f32x4.add(v128.load(p, 32), v128.load(p, 48));
        a = f32x4.add(a, f32x4.add(v128.load(p, 64), v128.load(p, 80)));
        b = f32x4.add(b, f32x4.add(v128.load(p, 96), v128.load(p, 112)));
        const v = f32x4.add(a, b);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      }
      for (; i + 4 <= r; i += 4) {
        const v = v128.load(base + ((<usize>i) << 2));
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      }
      let s =
        f64x2.extract_lane(lo, 0) +
        f64x2.extract_lane(lo, 1) +
        f64x2.extract_lane(hi, 0) +
        f64x2.extract_lane(hi, 1);
      for (; i < r; i++) s += <f64>load<f32>(base + ((<usize>i) << 2));
      store<f32>(out + ((<usize>o) << 2), <f32>s);
    } else if (op == PROD) {
      let s: f64 = 1;
      for (; i < r; i++) s *= <f64>load<f32>(base + ((<usize>i) << 2));
      store<f32>(out + ((<usize>o) << 2), <f32>s);
    } else {
      let acc = v128.load32_splat(base);
      for (; i + 4 <= r; i += 4) {
        const v = v128.load(base + ((<usize>i) << 2));
        acc = op == MAX ? f32x4.max(acc, v) : f32x4.min(acc, v);
      }
      let s = f32x4.extract_lane(acc, 0);
      for (let l = 1; l < 4; l++) {
        const e =
          l == 1
            ? f32x4.extract_lane(acc, 1)
            : l == 2
              ? f32x4.extract_lane(acc, 2)
              : f32x4.extract_lane(acc, 3);
        s = op == MAX ? max<f32>(s, e) : min<f32>(s, e);
      }
      for (; i < r; i++) {
        const e = load<f32>(base + ((<usize>i) << 2));
        s = op == MAX ? max<f32>(s, e) : min<f32>(s, e);
      }
      store<f32>(out + ((<usize>o) << 2), s);
    }
  }
}

function reduceCols(op: i32, out: usize, x: usize, outer: i32, r: i32, inner: i32): void {
  const rowBytes = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const dst = out + <usize>o * rowBytes;
    let src = x + <usize>o * r * rowBytes;
    if (r == 0) {
      const init: f32 = op == PROD ? 1 : 0;
      for (let j = 0; j < inner; j++) store<f32>(dst + ((<usize>j) << 2), init);
      continue;
    }
    copyBytes(dst, src, rowBytes);
    for (let p = 1; p < r; p++) {
      src += rowBytes;
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const q = (<usize>j) << 2;
        const a = v128.load(dst + q);
        const b = v128.load(src + q);
        let v: v128;
        if (op == SUM) v = f32x4.add(a, b);
        else if (op == PROD) v = f32x4.mul(a, b);
        else if (op == MAX) v = f32x4.max(a, b);
        else v = f32x4.min(a, b);
        v128.store(dst + q, v);
      }
      for (; j < inner; j++) {
        const q = (<usize>j) << 2;
        const a = load<f32>(dst + q);
        const b = load<f32>(src + q);
        store<f32>(
          dst + q,
          op == SUM ? a + b : op == PROD ? a * b : op == MAX ? max<f32>(a, b) : min<f32>(a, b),
        );
      }
    }
  }
}

/** out[o, j] = op over p of x[o, p, j]. */
export function reduceF32(op: i32, out: usize, x: usize, outer: i32, r: i32, inner: i32): void {
  if (inner == 1 && r > 0) reduceRows(op, out, x, outer, r);
  else reduceCols(op, out, x, outer, r, inner);
}
