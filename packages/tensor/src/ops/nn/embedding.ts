import { DTypeError, fmtShape, IndexError, ShapeError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { ne, where } from '../elementwise.js';
import { indexSelect } from '../indexing.js';
import { reshape, unsqueeze } from '../shape.js';
import { assertTensor, backendOf } from '../util.js';

/**
 * Rows of `weight` [numEmbeddings, dim] picked by int32 `indices` of any shape; the result has
 * shape [...indices.shape, dim]. The row at `paddingIdx` is returned as is but gets no gradient.
 */
export function embedding(
  indices: Tensor,
  weight: Tensor,
  options: { paddingIdx?: number | null } = {},
): Tensor {
  const op = 'embedding';
  checkOptions(op, options, ['paddingIdx']);
  assertTensor(op, 'indices', indices);
  assertTensor(op, 'weight', weight);
  if (indices.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: indices must be an int32 tensor, got ${indices.dtype} of shape ${fmtShape(indices.shape)}`,
    );
  }
  if (weight.ndim !== 2)
    throw new ShapeError(`${op}: weight must be 2-D [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  backendOf(op, indices, weight);
  const [num, dim] = weight.shape;
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
      throw new IndexError(`${op}: paddingIdx ${paddingIdx} is out of range for ${num} embeddings`);
    }
    if (paddingIdx < 0) paddingIdx += num;
  }
  const pad = paddingIdx;
  return tidy(() => {
    const out = reshape(indexSelect(weight, 0, reshape(indices, [indices.size])), [...indices.shape, dim]);
    if (pad === null || !weight.requiresGrad) return out;
    // Same values, but the padding positions read a detached copy, so their gradient never reaches weight.
    return where(unsqueeze(ne(indices, pad), -1), out, out.detach());
  });
}
