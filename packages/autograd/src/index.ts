/**
 * @nn/autograd: eager define-by-run automatic differentiation. `installAutograd()` turns it on
 * for every tensor op; each op's gradient rule is registered by name and written with tensor
 * ops, so every backend trains.
 */
export type { GradOptions } from './engine.js';
export { enableGrad, grad, installAutograd, noGrad } from './engine.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
export type { GradRule, RuleContext } from './registry.js';
export { defineGradient, hasGradient } from './registry.js';
export { sumToShape } from './rules/util.js';
