/**
 * @nn/losses: loss functions as plain functions (`crossEntropy(logits, target)`) and as
 * PyTorch-style objects (`new CrossEntropyLoss({ labelSmoothing: 0.1 }).call(logits, target)`),
 * plus L1/L2 penalties to add to a loss. Numbers match PyTorch's.
 */
export type { BceOptions, BceWithLogitsOptions } from './binary.js';
export { bceLoss, bceWithLogitsLoss } from './binary.js';
export type { CrossEntropyOptions, NllOptions } from './classification.js';
export { crossEntropy, nllLoss } from './classification.js';
export { crossEntropyLoss } from './deprecated.js';
export type { KlDivOptions } from './kl.js';
export { klDiv, klDiv as klDivLoss } from './kl.js';
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from './modules.js';
export { l1Penalty, l2Penalty } from './penalty.js';
export type { Reduction } from './reduction.js';
export type { HuberOptions, ReductionOptions, SmoothL1Options } from './regression.js';
export { huberLoss, l1Loss, mseLoss, smoothL1Loss } from './regression.js';
