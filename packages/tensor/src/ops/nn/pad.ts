import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { full } from '../creation.js';
import { narrow } from '../indexing.js';
import { cat } from '../shape.js';
import { assertTensor } from '../util.js';

/**
 * Pads (or, with negative amounts, crops) x with a constant, in PyTorch's F.pad order: the
 * last dim first, `[left, right, top, bottom, front, back, ...]`. Differentiable in x.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  assertTensor('pad', 'input', x);
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new ValueError(
      `pad: padding must list an even number of amounts, at most 2 per dim of input ${fmtShape(x.shape)}, got [${String(padding)}]`,
    );
  }
  if (padding.some((p) => !Number.isInteger(p)))
    throw new ValueError(`pad: amounts must be integers, got [${padding.join(', ')}]`);
  if (typeof value !== 'number') throw new ValueError(`pad: value must be a number, got ${typeof value}`);
  // A crop found too large in a later dim throws after earlier dims were padded: the scope frees those.
  return tidy(() => {
    let cur = x;
    for (let i = 0; i < padding.length / 2; i++) {
      const dim = x.ndim - 1 - i;
      const before = padding[2 * i];
      const after = padding[2 * i + 1];
      const size = cur.shape[dim];
      if (size + Math.min(before, 0) + Math.min(after, 0) < 0) {
        throw new ShapeError(
          `pad: cropping [${before}, ${after}] removes more than dim ${dim} of input ${fmtShape(x.shape)} holds`,
        );
      }
      if (before < 0 || after < 0) {
        const start = Math.max(0, -before);
        cur = narrow(cur, dim, start, size - start - Math.max(0, -after));
      }
      const parts: Tensor[] = [];
      const block = (n: number): Tensor => {
        const shape = [...cur.shape];
        shape[dim] = n;
        return full(shape, value, { dtype: cur.dtype, backend: cur.backendName });
      };
      if (before > 0) parts.push(block(before));
      parts.push(cur);
      if (after > 0) parts.push(block(after));
      if (parts.length > 1) cur = cat(parts, dim);
    }
    // Always a new tensor, as PyTorch's pad, even when nothing was added.
    return cur === x ? cat([x], 0) : cur;
  });
}
