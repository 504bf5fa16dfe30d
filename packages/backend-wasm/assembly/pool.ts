import { zeroBytes } from './mem';

// Max pooling over contiguous f32 NCHW planes. meta (i32): [planes, H, W, OH, OW, kh, kw, sh, sw,
// ph, pw, dh, dw]. Padding taps are skipped; a NaN wins its window, as in PyTorch. Indices are
// flat positions within the input plane (h * W + w).

// @ts-expect-error: decorator
@inline
function m(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/** Taps of one window in order; the first NaN wins, else the first largest value. */
// @ts-ignore: decorator
@inline
function take(v: f32, best: f32): bool {
  return v > best || (v != v && best == best);
}

/** Four values x[p], x[p + s], x[p + 2s], x[p + 3s]. */
// @ts-ignore: decorator
@inline
function gather4(p: usize, s: i32): v128 {
  if (s == 1) return v128.load(p);
  if (s == 2) return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  const sb = <usize>s << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + sb));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * sb));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * sb));
}

/**
 * Four neighbouring 2x2 windows with stride 2 (the usual pooling), from two rows of eight inputs
 * starting at `start`. Pseudo-maxima (a < b ? b : a: one maxps each, where f32x4.max's NaN and
 * -0 rules cost V8 about eight instructions) keep the earlier of equal values, so the result is
 * the first largest tap's own value (-0 and 0 as given); its index is the first tap equal to it,
 * tried last to first so the earliest wins. A window with a NaN (the sum of the four is NaN)
 * returns false for the general loop, where the first NaN wins.
 */
// @ts-ignore: decorator
@inline
function window2x2(base: usize, start: i32, W: i32, values: usize, indices: usize): bool {
  const r0 = base + (<usize>start << 2);
  const r1 = r0 + (<usize>W << 2);
  const u0 = v128.load(r0);
  const u1 = v128.load(r0, 16);
  const l0 = v128.load(r1);
  const l1 = v128.load(r1, 16);
  const a = v128.shuffle<f32>(u0, u1, 0, 2, 4, 6);
  const b = v128.shuffle<f32>(u0, u1, 1, 3, 5, 7);
  const c = v128.shuffle<f32>(l0, l1, 0, 2, 4, 6);
  const d = v128.shuffle<f32>(l0, l1, 1, 3, 5, 7);
  const sum = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
  if (v128.any_true(f32x4.ne(sum, sum))) return false;
  const m = f32x4.pmax(f32x4.pmax(a, b), f32x4.pmax(c, d));
  const at0 = i32x4.add(i32x4.splat(start), i32x4(0, 2, 4, 6));
  const below = i32x4.splat(W);
  let at = i32x4.add(i32x4.add(at0, below), i32x4.splat(1));
  at = v128.bitselect(i32x4.add(at0, below), at, f32x4.eq(c, m));
  at = v128.bitselect(i32x4.add(at0, i32x4.splat(1)), at, f32x4.eq(b, m));
  at = v128.bitselect(at0, at, f32x4.eq(a, m));
  v128.store(values, m);
  v128.store(indices, at);
  return true;
}

/**
 * The common case: no padding, no dilation, every window inside the plane. Four neighbouring
 * outputs at a time in SIMD, branch-free (scalar compares of random data mispredict, and
 * V8 lowers scalar f32.max to branches): a tap replaces the running max where it is larger, or
 * is the first NaN.
 */
function maxPoolInside(x: usize, values: usize, indices: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32): void {
  let o: usize = 0;
  const lanes = i32x4(0, sw, 2 * sw, 3 * sw);
  const pair = kh == 2 && kw == 2 && sh == 2 && sw == 2;
  for (let plane = 0; plane < planes; plane++) {
    const base = x + ((<usize>plane * H * W) << 2);
    for (let i = 0; i < OH; i++) {
      let j = 0;
      for (; j + 4 <= OW; j += 4) {
        const start = i * sh * W + j * sw;
        if (pair && window2x2(base, start, W, values + (o << 2), indices + (o << 2))) {
          o += 4;
          continue;
        }
        let best = gather4(base + (<usize>start << 2), sw);
        let at = i32x4.add(i32x4.splat(start), lanes);
        for (let r = 0; r < kh; r++) {
          const row = start + r * W;
          for (let c = 0; c < kw; c++) {
            const pos = row + c;
            const v = gather4(base + (<usize>pos << 2), sw);
            const firstNaN = v128.and(f32x4.ne(v, v), f32x4.eq(best, best));
            const mask = v128.or(f32x4.gt(v, best), firstNaN);
            best = v128.bitselect(v, best, mask);
            at = v128.bitselect(i32x4.add(i32x4.splat(pos), lanes), at, mask);
          }
        }
        v128.store(values + (o << 2), best);
        v128.store(indices + (o << 2), at);
        o += 4;
      }
      if (pair && j < OW && OW >= 4) {
        // The last 1-3 windows as the last four, rewriting some with the same values.
        const back = <usize>(4 - (OW - j));
        const start = i * 2 * W + (OW - 4) * 2;
        if (window2x2(base, start, W, values + ((o - back) << 2), indices + ((o - back) << 2))) {
          o += <usize>(OW - j);
          j = OW;
        }
      }
      for (; j < OW; j++) {
        const start = i * sh * W + j * sw;
        let best = load<f32>(base + (<usize>start << 2));
        let at = start;
        for (let r = 0; r < kh; r++) {
          const row = start + r * W;
          for (let c = 0; c < kw; c++) {
            const pos = row + c;
            const v = load<f32>(base + (<usize>pos << 2));
            if (take(v, best)) {
              best = v;
              at = pos;
            }
          }
        }
        store<f32>(values + (o << 2), best);
        store<i32>(indices + (o << 2), at);
        o++;
      }
    }
  }
}

export function maxPool2dF32(x: usize, values: usize, indices: usize, meta: usize): void {
  const planes = m(meta, 0), H = m(meta, 1), W = m(meta, 2), OH = m(meta, 3), OW = m(meta, 4);
  const kh = m(meta, 5), kw = m(meta, 6), sh = m(meta, 7), sw = m(meta, 8);
  const ph = m(meta, 9), pw = m(meta, 10), dh = m(meta, 11), dw = m(meta, 12);
  if (ph == 0 && pw == 0 && dh == 1 && dw == 1 && (OH - 1) * sh + kh <= H && (OW - 1) * sw + kw <= W) {
    maxPoolInside(x, values, indices, planes, H, W, OH, OW, kh, kw, sh, sw);
    return;
  }
  let o: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = x + (<usize>plane * H * W << 2);
    for (let i = 0; i < OH; i++) {
      const rs = i * sh - ph;
      let r0 = 0;
      while (r0 < kh && rs + r0 * dh < 0) r0++;
      let r1 = kh;
      while (r1 > r0 && rs + (r1 - 1) * dh >= H) r1--;
      for (let j = 0; j < OW; j++) {
        const cs = j * sw - pw;
        let c0 = 0;
        while (c0 < kw && cs + c0 * dw < 0) c0++;
        let c1 = kw;
        while (c1 > c0 && cs + (c1 - 1) * dw >= W) c1--;
        let best: f32 = -Infinity;
        let at = (rs + r0 * dh) * W + cs + c0 * dw;
        // Branch-free select: windows of random data mispredict a compare-and-branch half the time.
        for (let r = r0; r < r1; r++) {
          const row = (rs + r * dh) * W + cs;
          for (let c = c0; c < c1; c++) {
            const pos = row + c * dw;
            const v = load<f32>(base + (<usize>pos << 2));
            const take = v > best || (v != v && best == best);
            best = select<f32>(v, best, take);
            at = select<i32>(pos, at, take);
          }
        }
        store<f32>(values + (o << 2), best);
        store<i32>(indices + (o << 2), at);
        o++;
      }
    }
  }
}

/** dx[plane][indices[q]] += dy[plane][q] over `planes` planes of dx, which it zeroes first. */
export function maxPool2dBackwardF32(dy: usize, indices: usize, dx: usize, planes: i32, per: i32, planeSize: i32): void {
  zeroBytes(dx, (<usize>planes * planeSize) << 2);
  let q: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const dst = dx + (<usize>plane * planeSize << 2);
    for (let k = 0; k < per; k++) {
      const d = dst + (<usize>load<i32>(indices + (q << 2)) << 2);
      store<f32>(d, load<f32>(d) + load<f32>(dy + (q << 2)));
      q++;
    }
  }
}
