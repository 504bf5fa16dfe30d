import { tidy } from '../../memory.js';
import { contiguousStrides } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { sliceView, stack } from '../shape.js';

/**
 * The composite building block of conv and pooling: for every kernel offset, the strided view of
 * the (already padded) input that the offset reads, stacked on a new dim 2. x is
 * [N, C, ...spatial]; the result is [N, C, prod(kernel), ...out]. Differentiable through the
 * slice and cat rules, so every backend gets conv and pooling gradients for free.
 */
export function windows(
  x: Tensor,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  out: readonly number[],
): Tensor {
  const r = kernel.length;
  const logical = contiguousStrides(x.shape);
  return tidy(() => {
    const views: Tensor[] = [];
    const offsets = new Array<number>(r).fill(0);
    const shape = [x.shape[0], x.shape[1], ...out];
    const strides = [x.strides[0], x.strides[1], ...stride.map((s, i) => s * x.strides[2 + i])];
    const lstrides = [logical[0], logical[1], ...stride.map((s, i) => s * logical[2 + i])];
    for (;;) {
      let off = x.offset;
      let loff = 0;
      for (let i = 0; i < r; i++) {
        off += offsets[i] * dilation[i] * x.strides[2 + i];
        loff += offsets[i] * dilation[i] * logical[2 + i];
      }
      views.push(
        sliceView(x, { shape, strides, offset: off, logicalStrides: lstrides, logicalOffset: loff }),
      );
      let i = r - 1;
      while (i >= 0 && ++offsets[i] === kernel[i]) offsets[i--] = 0;
      if (i < 0) break;
    }
    return stack(views, 2);
  });
}
