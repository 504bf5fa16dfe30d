import { ValueError } from '../errors.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { unary } from './elementwise.js';

/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** 1 / (1 + e⁻ˣ), stable for large |x|. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** The hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** x · sigmoid(x) */
export const silu = (x: Tensor): Tensor => unary('silu', x);
/** The self-normalising ELU (PyTorch's fixed scale and alpha). */
export const selu = (x: Tensor): Tensor => unary('selu', x);

/** x where x > 0, else negativeSlope · x. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (!Number.isFinite(negativeSlope))
    throw new ValueError(`leakyRelu: negativeSlope must be finite, got ${negativeSlope}`);
  return unary('leakyRelu', x, [negativeSlope]);
}

/** x where x > 0, else alpha · (eˣ - 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  if (!Number.isFinite(alpha)) throw new ValueError(`elu: alpha must be finite, got ${alpha}`);
  return unary('elu', x, [alpha]);
}

/** GELU: exact (erf) by default, or the tanh approximation. */
export function gelu(x: Tensor, options?: { approximate?: 'none' | 'tanh' }): Tensor {
  const approximate = checkOptions('gelu', options, ['approximate']).approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  return unary(approximate === 'tanh' ? 'geluTanh' : 'gelu', x);
}

/** log(1 + exp(beta x)) / beta, linear above `threshold` (PyTorch's defaults beta 1, threshold 20). */
export function softplus(x: Tensor, options?: { beta?: number; threshold?: number }): Tensor {
  checkOptions('softplus', options, ['beta', 'threshold']);
  const beta = options?.beta ?? 1;
  const threshold = options?.threshold ?? 20;
  if (!(beta > 0) || !Number.isFinite(threshold)) {
    throw new ValueError(
      `softplus: beta must be > 0 and threshold finite, got beta=${beta}, threshold=${threshold}`,
    );
  }
  return unary('softplus', x, [beta, threshold]);
}
