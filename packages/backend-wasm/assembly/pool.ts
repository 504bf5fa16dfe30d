// Max pooling over contiguous f32 NCHW planes. meta (i32): [planes, H, W, OH, OW, kh, kw, sh, sw,
// ph, pw, dh, dw]. Padding taps are skipped; a NaN wins its window, as in PyTorch. Indices are
// flat positions within the input plane (h * W + w).

// @ts-expect-error: decorator
@inline
function m(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

export function maxPool2dF32(x: usize, values: usize, indices: usize, meta: usize): void {
  const planes = m(meta, 0), H = m(meta, 1), W = m(meta, 2), OH = m(meta, 3), OW = m(meta, 4);
  const kh = m(meta, 5), kw = m(meta, 6), sh = m(meta, 7), sw = m(meta, 8);
  const ph = m(meta, 9), pw = m(meta, 10), dh = m(meta, 11), dw = m(meta, 12);
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

/** dx (zeroed by the caller) [plane][indices[q]] += dy[plane][q]. */
export function maxPool2dBackwardF32(dy: usize, indices: usize, dx: usize, planes: i32, per: i32, planeSize: i32): void {
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
