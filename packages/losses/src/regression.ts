import { abs, checkNumber, le, lt, mul, square, sub, type Tensor, tidy, where } from '@nn/tensor';
import { checkPair } from './checks.js';
import { checkReduction, type Reduction, reduce } from './reduction.js';

/** Options of the element-wise losses (`mseLoss`, `l1Loss`). */
export interface ReductionOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function elementwise(
  op: string,
  input: Tensor,
  target: Tensor,
  options: ReductionOptions | undefined,
  f: (d: Tensor) => Tensor,
): Tensor {
  checkPair(op, input, target);
  const reduction = options?.reduction ?? 'mean';
  checkReduction(op, reduction);
  return tidy(() => reduce(f(sub(input, target)), reduction));
}

/**
 * Mean squared error: (input - target)².
 *
 * @example
 * ```ts
 * console.log(await mseLoss(tensor([1, 2]), tensor([1.5, 2])).item()); // 0.125
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  return elementwise('mseLoss', input, target, options, (d) => square(d));
}

/** Mean absolute error: |input - target|. */
export function l1Loss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  return elementwise('l1Loss', input, target, options, (d) => abs(d));
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/** 0.5 d²/beta where |d| < beta, else |d| - 0.5 beta. */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: SmoothL1Options): Tensor {
  const beta = checkNumber(
    'smoothL1Loss',
    'beta',
    options?.beta ?? 1,
    (b) => b >= 0 && Number.isFinite(b),
    'a finite number >= 0',
  );
  return elementwise('smoothL1Loss', input, target, options, (d) => {
    const a = abs(d);
    if (beta === 0) return a;
    return where(lt(a, beta), mul(square(d), 0.5 / beta), sub(a, 0.5 * beta));
  });
}

/** Options of `huberLoss`. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** 0.5 d² where |d| <= delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, options?: HuberOptions): Tensor {
  const delta = checkNumber(
    'huberLoss',
    'delta',
    options?.delta ?? 1,
    (b) => b > 0 && Number.isFinite(b),
    'a finite number > 0',
  );
  return elementwise('huberLoss', input, target, options, (d) => {
    const a = abs(d);
    return where(le(a, delta), mul(square(d), 0.5), mul(sub(a, 0.5 * delta), delta));
  });
}
