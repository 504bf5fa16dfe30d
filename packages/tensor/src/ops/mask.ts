import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { full, tensor } from './creation.js';
import { cast, where } from './elementwise.js';
import { assertTensor, backendOf } from './util.js';

/**
 * x with `value` wherever the bool `mask` is true (PyTorch's masked_fill); mask and x broadcast
 * together. `value` is a number or a 0-d tensor (which then gets a gradient); the result keeps x's dtype.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  assertTensor('maskedFill', 'input', x);
  assertTensor('maskedFill', 'mask', mask);
  if (mask.dtype !== 'bool') {
    throw new DTypeError(
      `maskedFill: mask must be a bool tensor, got ${mask.dtype} of shape ${fmtShape(mask.shape)}`,
    );
  }
  if (value instanceof Tensor) {
    if (value.ndim !== 0) {
      throw new ShapeError(
        `maskedFill: a tensor value must be 0-dimensional, got shape ${fmtShape(value.shape)}`,
      );
    }
  } else if (typeof value !== 'number') {
    throw new ValueError(`maskedFill: value must be a number or a 0-d tensor, got ${typeof value}`);
  } else if (!isFloat(x.dtype) && !Number.isFinite(value)) {
    throw new ValueError(`maskedFill: value ${value} cannot be stored in a ${x.dtype} tensor`);
  }
  backendOf('maskedFill', x, mask, value);
  broadcastShapes('maskedFill', x.shape, mask.shape);
  return tidy(() => {
    const v =
      value instanceof Tensor
        ? cast(value, x.dtype)
        : full([], value, { dtype: x.dtype, backend: x.backendName });
    return where(mask, v, x);
  });
}

function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  assertTensor(op, 'input', x);
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expects a tensor of at least 2 dims, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(diagonal))
    throw new ValueError(`${op}: diagonal must be an integer, got ${diagonal}`);
  backendOf(op, x);
  const rows = x.shape[x.ndim - 2];
  const cols = x.shape[x.ndim - 1];
  const keep = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const above = j - i;
      keep[i * cols + j] = (op === 'tril' ? above <= diagonal : above >= diagonal) ? 1 : 0;
    }
  }
  return tidy(() =>
    where(
      tensor(keep, { shape: [rows, cols], dtype: 'bool', backend: x.backendName }),
      x,
      full([], 0, { dtype: x.dtype, backend: x.backendName }),
    ),
  );
}

/** The lower triangle of the last two dims (entries with col - row <= diagonal), zeros elsewhere. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle('tril', x, diagonal);
/** The upper triangle of the last two dims (entries with col - row >= diagonal), zeros elsewhere. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle('triu', x, diagonal);
