import { DTypeError, fmtShape, IndexError, ShapeError } from '../../errors.js';
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
  const flat = reshape(indices, [indices.size]);
  const rows = indexSelect(weight, 0, flat);
  const out = reshape(rows, [...indices.shape, dim]);
  flat.dispose();
  rows.dispose();
  if (paddingIdx === null || !weight.requiresGrad) return out;
  // Same values, but the padding positions read a detached copy, so their gradient never reaches weight.
  const keep = ne(indices, paddingIdx);
  const mask = unsqueeze(keep, -1);
  const frozen = out.detach();
  const y = where(mask, out, frozen);
  for (const t of [keep, mask, frozen, out]) t.dispose();
  return y;
}
