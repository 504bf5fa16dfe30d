import {
  checkOptions,
  div,
  exp,
  gt,
  log,
  mean,
  mul,
  optionKeys,
  sub,
  sum,
  type Tensor,
  tidy,
  where,
} from '@nn/tensor';
import { checkPair } from './checks.js';
import { checkReduction } from './reduction.js';

/** Options of `klDiv`. */
export interface KlDivOptions {
  /** 'mean' (over elements, default as in PyTorch), 'batchmean' (sum / batch size: the true KL), 'sum', 'none'. */
  reduction?: 'mean' | 'batchmean' | 'sum' | 'none';
  /** The target is given as log-probabilities. */
  logTarget?: boolean;
}

export const KL_DIV_KEYS = optionKeys<KlDivOptions>({ reduction: 1, logTarget: 1 });

/** KL(target ‖ input) with `input` log-probabilities: target · (log target - input), 0 where target is 0. */
export function klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor {
  const op = 'klDiv';
  checkOptions(op, options, KL_DIV_KEYS);
  checkPair(op, input, target);
  const reduction = options?.reduction ?? 'mean';
  checkReduction(op, reduction, ['batchmean']);
  return tidy(() => {
    let loss: Tensor;
    if (options?.logTarget) loss = mul(exp(target), sub(target, input));
    else {
      // log of 1 where the target is 0 keeps both the value and its gradient finite (0 · log 0 = 0).
      const positive = gt(target, 0);
      const safeLog = log(where(positive, target, 1));
      loss = sub(mul(target, safeLog), mul(target, input));
    }
    if (reduction === 'none') return loss;
    if (reduction === 'sum') return sum(loss);
    if (reduction === 'batchmean') return div(sum(loss), input.ndim === 0 ? 1 : input.shape[0]);
    return mean(loss);
  });
}
