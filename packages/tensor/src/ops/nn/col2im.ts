import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { scatterAddZeros } from '../indexing.js';
import { expand, narrowView, reshape } from '../shape.js';

/** Where a 2-d window geometry reads: kernel, stride, dilation, zero padding and output size. */
export interface Windows2d {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly out: readonly [number, number];
}

/** Rows and columns of the padded plane the windows reach (ceil mode may read past the padding). */
function paddedPlane(h: number, w: number, g: Windows2d): [number, number] {
  const reach = (i: 0 | 1) => (g.out[i] - 1) * g.stride[i] + g.dilation[i] * (g.kernel[i] - 1) + 1;
  const size = [h, w];
  return [0, 1].map((i) => Math.max(size[i] + 2 * g.padding[i], reach(i as 0 | 1))) as [number, number];
}

/** For each kernel offset k and output position (i, j), the flat position in the padded plane. */
function positions(g: Windows2d, planeW: number): Int32Array {
  const [kh, kw] = g.kernel;
  const [oh, ow] = g.out;
  const pos = new Int32Array(kh * kw * oh * ow);
  let n = 0;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let i = 0; i < oh; i++) {
        const row = i * g.stride[0] + a * g.dilation[0];
        for (let j = 0; j < ow; j++) pos[n++] = row * planeW + j * g.stride[1] + b * g.dilation[1];
      }
    }
  }
  return pos;
}

/**
 * The adjoint of `windows`: cols [N, C, kh*kw, oH, oW] (one plane per kernel offset) summed back
 * into [N, C, H, W] at the positions each window read, the padding cut off. Built from a
 * scatter-add, so it runs on every backend and is differentiable in cols.
 */
export function col2im(cols: Tensor, xShape: readonly number[], g: Windows2d): Tensor {
  const [n, c, h, w] = xShape;
  const [ph, pw] = paddedPlane(h, w, g);
  const per = cols.shape[2] * cols.shape[3] * cols.shape[4];
  const table = tensor(positions(g, pw), { backend: cols.backendName, shape: [1, 1, per] });
  const index = expand(table, [n, c, per]);
  const flat = reshape(cols, [n, c, per]);
  const plane = scatterAddZeros([n, c, ph * pw], 2, index, flat);
  const padded = reshape(plane, [n, c, ph, pw]);
  const rows = narrowView(padded, 2, g.padding[0], h);
  return narrowView(rows, 3, g.padding[1], w);
}
