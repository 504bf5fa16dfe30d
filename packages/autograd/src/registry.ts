import { AutogradError, type Tensor } from '@nn/tensor';
import { OPS, type OpName, type OpTable } from '@nn/tensor/internal';

type InputsOf<K extends OpName> = OpTable[K]['inputs'];
type OutputsOf<K extends OpName> = OpTable[K]['outputs'];

/** The positions of a tuple (0 | 1 | ... for a fixed length, number for a list). */
export type Positions<T extends readonly unknown[]> = T extends readonly [unknown, ...infer R]
  ? R['length'] | Positions<R>
  : T extends readonly []
    ? never
    : number;

/** One value per element of a tuple. */
type Each<T extends readonly unknown[], V> = { -readonly [I in keyof T]: V };

/** The saved tensors a rule sees: a Tensor at each position it asked to save, null elsewhere. */
type Saved<T extends readonly unknown[], S extends number> = {
  readonly [I in keyof T]: I extends `${S}` ? Tensor : null;
};

/** What a gradient rule sees of the op it differentiates. */
export interface RuleContext<K extends OpName, SI extends number = never, SO extends number = never> {
  /** The inputs the rule listed in `saveInputs`; null at the other positions. */
  readonly inputs: Saved<InputsOf<K>, SI>;
  /** The outputs the rule listed in `saveOutputs`; null at the other positions. */
  readonly outputs: Saved<OutputsOf<K>, SO>;
  readonly inputShapes: Readonly<Each<InputsOf<K>, readonly number[]>>;
  readonly attrs: OpTable[K]['attrs'];
  /** Which inputs need a gradient; a rule may skip work for the others. */
  readonly needsGrad: Readonly<Each<InputsOf<K>, boolean>>;
}

/**
 * The gradient of one op: given the gradient of its (first) output, the gradient of each input,
 * or null for an input that gets none. Written with tensor ops, so it runs on every backend and,
 * recorded again under `createGraph`, is differentiable itself.
 */
export interface GradRule<K extends OpName, SI extends number = never, SO extends number = never> {
  /** Input positions to keep for backward. */
  readonly saveInputs?: readonly SI[];
  /** Output positions to keep for backward. */
  readonly saveOutputs?: readonly SO[];
  backward(ctx: RuleContext<K, SI, SO>, grad: Tensor): Each<InputsOf<K>, Tensor | null>;
}

/** A rule as the engine holds it, whatever its op. */
export interface StoredRule {
  readonly saveInputs?: readonly number[];
  readonly saveOutputs?: readonly number[];
  backward(
    ctx: {
      readonly inputs: readonly (Tensor | null)[];
      readonly outputs: readonly (Tensor | null)[];
      readonly inputShapes: readonly (readonly number[])[];
      readonly attrs: object;
      readonly needsGrad: readonly boolean[];
    },
    grad: Tensor,
  ): readonly (Tensor | null)[];
}

const RULES = new Map<OpName, StoredRule>();

/**
 * Registers the gradient rule of an op of @nn/tensor's op table. The table types the rule: the
 * saved inputs and outputs it lists are Tensors, its attributes are the op's, and it returns one
 * gradient per input.
 */
export function defineGradient<
  K extends OpName,
  const SI extends Positions<InputsOf<K>> = never,
  const SO extends Positions<OutputsOf<K>> = never,
>(op: K, rule: GradRule<K, SI, SO>): void {
  // The one place the typed rule is stored untyped: the engine passes it exactly what the table says.
  RULES.set(op, rule as unknown as StoredRule);
}

/** The rule of an op, or an error that says where to add one. */
export function getGradient(op: OpName): StoredRule {
  const rule = RULES.get(op);
  if (!rule) throw new AutogradError(missingRuleMessage(op));
  return rule;
}

/** What to add when a recorded op has no rule. */
export function missingRuleMessage(op: string): string {
  return `no gradient rule is registered for op '${op}': add defineGradient('${op}', { saveInputs: [...], backward: (ctx, grad) => [...] }) to a file of packages/autograd/src/rules/, or mark it 'nonDifferentiable' in OPS of packages/tensor/src/op-table.ts`;
}

/** Whether a gradient rule is registered for an op name. */
export function hasGradient(op: string): boolean {
  return RULES.has(op as OpName);
}

/** Op names of the table marked differentiable that have no rule (a test keeps this empty). */
export function opsWithoutRule(): string[] {
  return (Object.keys(OPS) as OpName[]).filter((op) => OPS[op] === 'differentiable' && !RULES.has(op));
}
