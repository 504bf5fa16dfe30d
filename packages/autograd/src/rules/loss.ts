import { clamp, div, log, maximum, mul, sub, type Tensor } from '@nn/tensor';
import { crossEntropyBackward } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

/** PyTorch's EPSILON in binary_cross_entropy_backward: the smallest denominator p (1 - p) may take. */
const BCE_EPSILON = 1e-12;

export function registerLossRules(): void {
  // The targets are class indices: no gradient.
  defineGradient('crossEntropy', {
    saveInputs: [0, 1],
    backward: ({ inputs: [logits, target], attrs: { ignoreIndex, reduction } }, g) => [
      crossEntropyBackward(logits, target, g, ignoreIndex, reduction),
      null,
    ],
  });
  // d/dp = g (p - t) / max(p (1 - p), 1e-12): finite at p = 0 and 1, where the exact 1 / p is not
  // (PyTorch's formula, so a saturated sigmoid + BCE keeps training instead of turning to NaN).
  // d/dt = g (log(1 - p) - log p) with the forward's clamped logs (PyTorch leaves them unclamped,
  // which is infinite at p = 0 or 1; targets are constants in practice).
  defineGradient('binaryCrossEntropy', {
    saveInputs: [0, 1],
    backward: ({ inputs: [p, t], needsGrad }, g) => {
      let gp: Tensor | null = null;
      if (needsGrad[0]) {
        const spread = mul(p, sub(1, p));
        gp = mul(g, div(sub(p, t), maximum(spread, BCE_EPSILON)));
      }
      let gt: Tensor | null = null;
      if (needsGrad[1]) {
        const logP = clamp(log(p), { min: -100 });
        const log1mP = clamp(log(sub(1, p)), { min: -100 });
        gt = mul(g, sub(log1mP, logP));
      }
      return [gp, gt];
    },
  });
}
