// Convolution per sample: im2col of one sample (and group) into a small per-thread buffer that
// stays in cache, then GEMM straight into the NCHW output. Threads split the batch by samples.
// meta (i32): [Cg, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, OH*OW, G, OCg, C, OC].
import { col2im, im2col } from './conv';
import { BIAS_ROWS, gemm } from './gemm';

// @ts-expect-error: decorator
@inline
function m(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/**
 * out[n] = conv(x[n], w) for samples [n0, n1), then the GEMM epilogue `epi` (BIAS_ROWS: `bias` per
 * output channel; RELU) while the sample's output is in cache.
 */
export function convForward(
  x: usize, w: usize, out: usize, col: usize, scratch: usize, meta: usize, n0: i32, n1: i32,
  bias: usize, epi: i32,
): void {
  const Cg = m(meta, 0), H = m(meta, 1), W = m(meta, 2), K = Cg * m(meta, 3) * m(meta, 4);
  const P = m(meta, 13), G = m(meta, 14), OCg = m(meta, 15), C = m(meta, 16), OC = m(meta, 17);
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < G; g++) {
      im2col(x + ((<usize>(n * C + g * Cg) * H * W) << 2), col, meta);
      const y = out + ((<usize>(n * OC + g * OCg) * P) << 2);
      const b = epi & BIAS_ROWS ? bias + ((<usize>g * OCg) << 2) : 0;
      gemm(0, OCg, P, K, w + ((<usize>g * OCg * K) << 2), K, 1, col, P, 1, y, P, scratch, 0, b, epi);
    }
  }
}

/** dx[n] = conv_transpose(dy[n], w) for samples [n0, n1); dx must be zeroed. */
export function convBackwardInput(dy: usize, w: usize, dx: usize, col: usize, scratch: usize, meta: usize, n0: i32, n1: i32): void {
  const Cg = m(meta, 0), H = m(meta, 1), W = m(meta, 2), K = Cg * m(meta, 3) * m(meta, 4);
  const P = m(meta, 13), G = m(meta, 14), OCg = m(meta, 15), C = m(meta, 16), OC = m(meta, 17);
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < G; g++) {
      // dcol = W_g^T dy_g, then scattered back onto the input positions each column read.
      const g0 = dy + ((<usize>(n * OC + g * OCg) * P) << 2);
      gemm(0, K, P, OCg, w + ((<usize>g * OCg * K) << 2), 1, K, g0, P, 1, col, P, scratch, 0, 0, 0);
      col2im(col, dx + ((<usize>(n * C + g * Cg) * H * W) << 2), meta);
    }
  }
}

/** dw = sum over samples [n0, n1) of dy[n] . im2col(x[n])^T (overwritten, not accumulated into). */
export function convBackwardWeight(x: usize, dy: usize, dw: usize, col: usize, scratch: usize, meta: usize, n0: i32, n1: i32): void {
  const Cg = m(meta, 0), H = m(meta, 1), W = m(meta, 2), K = Cg * m(meta, 3) * m(meta, 4);
  const P = m(meta, 13), G = m(meta, 14), OCg = m(meta, 15), C = m(meta, 16), OC = m(meta, 17);
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < G; g++) {
      im2col(x + ((<usize>(n * C + g * Cg) * H * W) << 2), col, meta);
      const g0 = dy + ((<usize>(n * OC + g * OCg) * P) << 2);
      gemm(0, OCg, K, P, g0, P, 1, col, 1, P, dw + ((<usize>g * OCg * K) << 2), K, scratch, n > n0 ? 1 : 0, 0, 0);
    }
  }
}
