/**
 * @nn/autograd: eager define-by-run automatic differentiation. `installAutograd()` turns it on
 * for every tensor op; each op's gradient rule is registered by name and written with tensor
 * ops, so every backend trains.
 */
// noGrad and enableGrad live in @nn/tensor, where the recording switch is; re-exported here
// because this is where PyTorch users look for them.
export { enableGrad, noGrad } from '@nn/tensor';
export type { GradOptions } from './engine.js';
export { grad, installAutograd } from './engine.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
export type { GradRule, RuleContext } from './registry.js';
export { defineGradient, hasGradient } from './registry.js';
export { sumToShape } from './rules/util.js';
