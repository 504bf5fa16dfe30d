/**
 * @nn/optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) with PyTorch's update rules and
 * parameter groups, learning-rate schedulers, and gradient clipping.
 */
export type { AdagradOptions } from './adagrad.js';
export { Adagrad } from './adagrad.js';
export type { AdamOptions } from './adam.js';
export { Adam, AdamW } from './adam.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export type {
  BaseOptions,
  OptimizerStateDict,
  ParamGroup,
  ParamGroupInput,
  ParamState,
} from './optimizer.js';
export { Optimizer } from './optimizer.js';
export type { RMSpropOptions } from './rmsprop.js';
export { RMSprop } from './rmsprop.js';
export type { SchedulableOptimizer } from './schedulers/base.js';
export { LRScheduler } from './schedulers/base.js';
export type { OneCycleOptions } from './schedulers/one-cycle.js';
export { OneCycleLR } from './schedulers/one-cycle.js';
export type { ReduceLROnPlateauOptions } from './schedulers/plateau.js';
export { ReduceLROnPlateau } from './schedulers/plateau.js';
export {
  CosineAnnealingLR,
  ExponentialLR,
  InverseTimeLR,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  StepLR,
} from './schedulers/simple.js';
export type { SGDOptions } from './sgd.js';
export { SGD } from './sgd.js';
