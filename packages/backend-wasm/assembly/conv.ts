import { copyBytes, zeroBytes } from './mem';
// im2col / col2im for one sample's channel group, so convolution runs as GEMM. Layout metadata
// arrives as i32 at `meta`: [C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, ld], where ld is the
// row stride of col in elements (OH*OW for one sample's matrix).

// @ts-expect-error: decorator
@inline
function m(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/** col[(c*kh + i)*kw + j][oh*OW + ow] = x[c][oh*sh - ph + i*dh][ow*sw - pw + j*dw] (0 outside). */
export function im2col(x: usize, col: usize, meta: usize): void {
  const C = m(meta, 0), H = m(meta, 1), W = m(meta, 2), kh = m(meta, 3), kw = m(meta, 4);
  const sh = m(meta, 5), sw = m(meta, 6), ph = m(meta, 7), pw = m(meta, 8), dh = m(meta, 9), dw = m(meta, 10);
  const OH = m(meta, 11), OW = m(meta, 12);
  const skip = <usize>(m(meta, 13) - OH * OW) << 2;
  let dst = col;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>c * H * W << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const colOff = j * dw - pw;
        // ow range whose input column lies inside [0, W).
        let lo = 0;
        while (lo < OW && lo * sw + colOff < 0) lo++;
        let hi = OW;
        while (hi > lo && (hi - 1) * sw + colOff >= W) hi--;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) {
            zeroBytes(dst, <usize>OW << 2);
          } else {
            const row = plane + (<usize>ih * W << 2);
            if (lo > 0) zeroBytes(dst, <usize>lo << 2);
            if (sw == 1) {
              copyBytes(dst + (<usize>lo << 2), row + (<usize>(lo + colOff) << 2), <usize>(hi - lo) << 2);
            } else {
              for (let ow = lo; ow < hi; ow++) {
                store<f32>(dst + (<usize>ow << 2), load<f32>(row + (<usize>(ow * sw + colOff) << 2)));
              }
            }
            if (hi < OW) zeroBytes(dst + (<usize>hi << 2), <usize>(OW - hi) << 2);
          }
          dst += <usize>OW << 2;
        }
        dst += skip;
      }
    }
  }
}

/** The adjoint of im2col: x[c][ih][iw] += col[...] for every tap that read it. */
export function col2im(col: usize, x: usize, meta: usize): void {
  const C = m(meta, 0), H = m(meta, 1), W = m(meta, 2), kh = m(meta, 3), kw = m(meta, 4);
  const sh = m(meta, 5), sw = m(meta, 6), ph = m(meta, 7), pw = m(meta, 8), dh = m(meta, 9), dw = m(meta, 10);
  const OH = m(meta, 11), OW = m(meta, 12);
  const skip = <usize>(m(meta, 13) - OH * OW) << 2;
  let src = col;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>c * H * W << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const colOff = j * dw - pw;
        let lo = 0;
        while (lo < OW && lo * sw + colOff < 0) lo++;
        let hi = OW;
        while (hi > lo && (hi - 1) * sw + colOff >= W) hi--;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + i * dh;
          if (ih >= 0 && ih < H) {
            const row = plane + (<usize>ih * W << 2);
            if (sw == 1) {
              let ow = lo;
              for (; ow + 4 <= hi; ow += 4) {
                const d = row + (<usize>(ow + colOff) << 2);
                v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>ow << 2))));
              }
              for (; ow < hi; ow++) {
                const d = row + (<usize>(ow + colOff) << 2);
                store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ow << 2)));
              }
            } else {
              for (let ow = lo; ow < hi; ow++) {
                const d = row + (<usize>(ow * sw + colOff) << 2);
                store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ow << 2)));
              }
            }
          }
          src += <usize>OW << 2;
        }
        src += skip;
      }
    }
  }
}

