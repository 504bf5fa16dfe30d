import { AutogradError, type Tensor } from '@nn/tensor';

/** What a gradient rule sees of the op it differentiates. */
export interface RuleContext {
  /** Saved inputs (null where the rule did not ask to save them). */
  readonly inputs: readonly (Tensor | null)[];
  /** Saved outputs (null unless the rule asked to save them). */
  readonly outputs: readonly (Tensor | null)[];
  readonly inputShapes: readonly (readonly number[])[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Which inputs need a gradient; a rule may skip work for the others. */
  readonly needsGrad: readonly boolean[];
}

/**
 * The gradient of one op: given the gradients of its outputs, the gradients of its inputs
 * (null for inputs that get none), each of its input's shape. Written with tensor ops, so it
 * runs on every backend.
 */
export interface GradRule {
  /** Inputs to keep for backward: all, none, or the listed positions. */
  readonly saveInputs?: boolean | readonly number[];
  readonly saveOutputs?: boolean;
  backward(ctx: RuleContext, grads: readonly (Tensor | null)[]): (Tensor | null)[];
}

const RULES = new Map<string, GradRule>();

/** Registers the gradient rule of an op name (ops added by other packages, such as conv, use this). */
export function defineGradient(op: string, rule: GradRule): void {
  RULES.set(op, rule);
}

export function getGradient(op: string): GradRule {
  const rule = RULES.get(op);
  if (!rule) throw new AutogradError(`no gradient rule is registered for op '${op}'`);
  return rule;
}

/** Whether a gradient rule is registered for an op name. */
export function hasGradient(op: string): boolean {
  return RULES.has(op);
}
