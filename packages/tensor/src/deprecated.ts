// Old spellings kept through 0.x: each warns once and forwards to the one spelling nn keeps.
import { warnDeprecated } from './deprecation.js';
import { type VarOptions, variance } from './ops/reduce.js';
import type { Tensor } from './tensor.js';

/**
 * The variance over dims.
 * @deprecated Use `variance(x, options)` or the method `x.var(options)`; `var_` goes at 1.0.
 */
export function var_(x: Tensor, options?: VarOptions): Tensor {
  warnDeprecated('var_', 'variance(x) or x.var()');
  return variance(x, options);
}
