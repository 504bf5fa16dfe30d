import { DTypeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { rand } from '../creation.js';
import { cast, lt, mul } from '../elementwise.js';
import { assertTensor } from '../util.js';

/**
 * Zeroes each element with probability p (mask drawn from the seeded generator) and scales the
 * rest by 1 / (1 - p); the identity when not training or p = 0.
 */
export function dropout(x: Tensor, options: { p?: number; training?: boolean } = {}): Tensor {
  const op = 'dropout';
  assertTensor(op, 'input', x);
  checkOptions(op, options, ['p', 'training']);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`${op}: p must be in [0, 1], got ${String(p)}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  const training = options.training ?? true;
  if (!training || p === 0) return mul(x, 1);
  if (p === 1) return mul(x, 0);
  return tidy(() => {
    const keep = lt(rand(x.shape, { dtype: x.dtype, backend: x.backendName }), 1 - p);
    return mul(x, mul(cast(keep, x.dtype), 1 / (1 - p)));
  });
}
