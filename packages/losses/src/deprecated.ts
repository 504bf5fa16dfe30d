// Old spellings kept through 0.x: each warns once and forwards to the one spelling nn keeps.
import type { Tensor } from '@nn/tensor';
import { warnDeprecated } from '@nn/tensor/internal';
import { type CrossEntropyOptions, crossEntropy } from './classification.js';

/**
 * Cross-entropy between logits and class indices or probabilities.
 * @deprecated Use `crossEntropy` (PyTorch's `F.cross_entropy`), or the module `CrossEntropyLoss`
 * (`nn.CrossEntropyLoss`); `crossEntropyLoss` goes at 1.0.
 */
export function crossEntropyLoss(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  warnDeprecated('crossEntropyLoss', 'crossEntropy (the function) or new CrossEntropyLoss() (the module)');
  return crossEntropy(input, target, options);
}
