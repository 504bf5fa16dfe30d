import type { Conv2dParams, FusedActivation, LossReduction, Pool2dParams, UnaryOp } from './backend.js';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** What autograd sees of one recorded op: its input tensors, output tensors and attributes. */
export interface OpSignature {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: object;
}

/** One output, the common case. */
type Y = [y: Tensor];
// biome-ignore lint/complexity/noBannedTypes: an op without attributes records the empty object
type NoAttrs = {};

/** The parameters each unary kernel takes, in the order the backend reads them. */
export interface UnaryParams {
  neg: readonly [];
  abs: readonly [];
  sign: readonly [];
  exp: readonly [];
  log: readonly [];
  sqrt: readonly [];
  rsqrt: readonly [];
  reciprocal: readonly [];
  square: readonly [];
  sin: readonly [];
  cos: readonly [];
  tanh: readonly [];
  sigmoid: readonly [];
  erf: readonly [];
  log1p: readonly [];
  expm1: readonly [];
  floor: readonly [];
  ceil: readonly [];
  round: readonly [];
  relu: readonly [];
  logicalNot: readonly [];
  leakyRelu: readonly [negativeSlope: number];
  elu: readonly [alpha: number];
  selu: readonly [];
  gelu: readonly [];
  geluTanh: readonly [];
  softplus: readonly [beta: number, threshold: number];
  silu: readonly [];
  clamp: readonly [min: number, max: number];
  powScalar: readonly [exponent: number];
}

/** Unary kernels that autograd records (logicalNot returns bool, so it has no gradient). */
export type RecordedUnaryOp = Exclude<UnaryOp, 'logicalNot'>;

/** Binary kernels with a float result, recorded as `op` (two tensors) or `op:scalar`. */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

type UnaryOps = {
  [K in RecordedUnaryOp]: { inputs: [x: Tensor]; outputs: Y; attrs: { params: UnaryParams[K] } };
};
type BinaryOps = { [K in ArithmeticOp]: { inputs: [a: Tensor, b: Tensor]; outputs: Y; attrs: NoAttrs } };
type ScalarOps = {
  [K in ArithmeticOp as `${K}:scalar`]: {
    inputs: [x: Tensor];
    outputs: Y;
    /** `reversed`: the number was the left operand (`2 - x`). */
    attrs: { value: number; reversed: boolean };
  };
};
type Reductions = {
  [K in 'sum' | 'prod' | 'amax' | 'amin']: {
    inputs: [x: Tensor];
    outputs: Y;
    /** Sorted, distinct dims, removed from the output. */
    attrs: { dims: readonly number[] };
  };
};
type ArgExtrema = {
  [K in 'maxDim' | 'minDim']: {
    inputs: [x: Tensor];
    outputs: [values: Tensor, indices: Tensor];
    attrs: { dim: number };
  };
};

/**
 * Every op @nn/tensor records for autograd, with the tensors it records and the attributes its
 * gradient rule reads. `recordOp` and `defineGradient` (in @nn/autograd) are typed by this map,
 * so a rule gets typed inputs and attributes and a misspelled op name does not compile.
 *
 * To add an op: an entry here, the same name in `OPS` below, then its rule in
 * packages/autograd/src/rules/ (or `nonDifferentiable` in `OPS`).
 */
export interface OpTable extends UnaryOps, BinaryOps, ScalarOps, Reductions, ArgExtrema {
  cast: { inputs: [x: Tensor]; outputs: Y; attrs: { dtype: DType } };
  where: { inputs: [condition: Tensor, a: Tensor, b: Tensor]; outputs: Y; attrs: NoAttrs };
  softmax: { inputs: [x: Tensor]; outputs: Y; attrs: { dim: number; log: boolean } };
  /** a [...B, m, k] @ b [...B, k, n] with equal batch dims (broadcasting is done by views). */
  matmul: { inputs: [a: Tensor, b: Tensor]; outputs: Y; attrs: NoAttrs };
  /** A copy (contiguous, clone, indexSelect of a 0-d tensor). */
  clone: { inputs: [x: Tensor]; outputs: Y; attrs: NoAttrs };
  /** Any view with the input's elements in the same order (reshape, view, squeeze, unsqueeze). */
  reshape: { inputs: [x: Tensor]; outputs: Y; attrs: NoAttrs };
  permute: { inputs: [x: Tensor]; outputs: Y; attrs: { dims: readonly number[] } };
  expand: { inputs: [x: Tensor]; outputs: Y; attrs: NoAttrs };
  /** A strided view; the logical strides and offset address a contiguous copy of the input. */
  slice: {
    inputs: [x: Tensor];
    outputs: Y;
    attrs: { logicalStrides: readonly number[]; logicalOffset: number };
  };
  cat: { inputs: Tensor[]; outputs: Y; attrs: { dim: number; sizes: readonly number[] } };
  toBackend: { inputs: [x: Tensor]; outputs: Y; attrs: { from: string } };
  indexSelect: { inputs: [x: Tensor, index: Tensor]; outputs: Y; attrs: { dim: number } };
  gather: { inputs: [x: Tensor, index: Tensor]; outputs: Y; attrs: { dim: number } };
  /** zeros(shape) plus src scattered at index along dim. */
  scatterAdd: {
    inputs: [index: Tensor, src: Tensor];
    outputs: Y;
    attrs: { shape: readonly number[]; dim: number };
  };
  /** Reversed along each of dims. */
  flip: { inputs: [x: Tensor]; outputs: Y; attrs: { dims: readonly number[] } };
  /** Shifted by shifts[i] along dims[i], wrapping around. */
  roll: { inputs: [x: Tensor]; outputs: Y; attrs: { shifts: readonly number[]; dims: readonly number[] } };
  /** Running sums along dim. */
  cumsum: { inputs: [x: Tensor]; outputs: Y; attrs: { dim: number } };
  conv2d: { inputs: [x: Tensor, w: Tensor]; outputs: Y; attrs: { params: Conv2dParams } };
  /** conv2d plus a bias per output channel, then the activation: one node for a Conv2d layer (and a ReLU after it). */
  conv2dBias: {
    inputs: [x: Tensor, w: Tensor, b: Tensor];
    outputs: Y;
    attrs: { params: Conv2dParams; activation: FusedActivation };
  };
  /** conv2d's input gradient as an op of its own: x [N, inC, H, W], w [inC, outC / groups, kH, kW]. */
  convTranspose2d: { inputs: [x: Tensor, w: Tensor]; outputs: Y; attrs: { params: Conv2dParams } };
  /** activation(x wᵀ + b) over the last dim of x: a Linear layer (and a following ReLU) as one node. */
  linear: { inputs: [x: Tensor, w: Tensor, b: Tensor]; outputs: Y; attrs: { activation: FusedActivation } };
  /** `linear` without a bias. */
  linearNoBias: { inputs: [x: Tensor, w: Tensor]; outputs: Y; attrs: { activation: FusedActivation } };
  /** Cross entropy of logits [M, C] at int32 class indices [M] (the target rides along, not differentiable). */
  crossEntropy: {
    inputs: [logits: Tensor, target: Tensor];
    outputs: Y;
    attrs: { ignoreIndex: number; reduction: LossReduction };
  };
  /** relu's gradient g · [x > 0], recorded so that gradients of gradients flow through it. */
  reluBackward: { inputs: [x: Tensor, g: Tensor]; outputs: Y; attrs: NoAttrs };
  /** The argmax positions ride along as a second, non-differentiable input. */
  maxPool2d: { inputs: [x: Tensor, indices: Tensor]; outputs: Y; attrs: { params: Pool2dParams } };
  avgPool2d: {
    inputs: [x: Tensor];
    outputs: Y;
    attrs: { params: Pool2dParams; countIncludePad: boolean };
  };
  /** Per-element binary cross entropy of probabilities (PyTorch's clamped logs and gradient). */
  binaryCrossEntropy: { inputs: [p: Tensor, target: Tensor]; outputs: Y; attrs: NoAttrs };
  /**
   * The fused attention kernel: q [B, L, E], k, v [B, S, *] as it saw them; its output and each
   * row's logsumexp (what the backward rebuilds the weights from).
   */
  scaledDotProductAttention: {
    inputs: [q: Tensor, k: Tensor, v: Tensor];
    outputs: [out: Tensor, lse: Tensor];
    attrs: { scale: number; causal: boolean };
  };
  /** The same with a mask (bool, or additive without a gradient), a [...batch, L, S] view. */
  'scaledDotProductAttention:masked': {
    inputs: [q: Tensor, k: Tensor, v: Tensor, mask: Tensor];
    outputs: [out: Tensor, lse: Tensor];
    attrs: { scale: number; causal: boolean };
  };
}

/** The name of an op autograd can record. */
export type OpName = keyof OpTable;

/** Whether an op has a gradient rule or is declared to have none (then it is never recorded). */
export type OpKind = 'differentiable' | 'nonDifferentiable';

const d = 'differentiable' as const;

/**
 * The same names at run time: the test that every recorded op has a gradient rule iterates this.
 * Its type keeps it equal to `OpTable`'s keys: a name missing here, or one too many, does not
 * compile. A 'nonDifferentiable' op is never recorded.
 */
export const OPS: { readonly [K in OpName]: OpKind } = {
  neg: d,
  abs: d,
  sign: d,
  exp: d,
  log: d,
  sqrt: d,
  rsqrt: d,
  reciprocal: d,
  square: d,
  sin: d,
  cos: d,
  tanh: d,
  sigmoid: d,
  erf: d,
  log1p: d,
  expm1: d,
  floor: d,
  ceil: d,
  round: d,
  relu: d,
  leakyRelu: d,
  elu: d,
  selu: d,
  gelu: d,
  geluTanh: d,
  softplus: d,
  silu: d,
  clamp: d,
  powScalar: d,
  add: d,
  sub: d,
  mul: d,
  div: d,
  pow: d,
  maximum: d,
  minimum: d,
  'add:scalar': d,
  'sub:scalar': d,
  'mul:scalar': d,
  'div:scalar': d,
  'pow:scalar': d,
  'maximum:scalar': d,
  'minimum:scalar': d,
  sum: d,
  prod: d,
  amax: d,
  amin: d,
  maxDim: d,
  minDim: d,
  cast: d,
  where: d,
  softmax: d,
  matmul: d,
  clone: d,
  reshape: d,
  permute: d,
  expand: d,
  slice: d,
  cat: d,
  toBackend: d,
  indexSelect: d,
  gather: d,
  scatterAdd: d,
  flip: d,
  roll: d,
  cumsum: d,
  conv2d: d,
  conv2dBias: d,
  convTranspose2d: d,
  linear: d,
  linearNoBias: d,
  crossEntropy: d,
  reluBackward: d,
  maxPool2d: d,
  avgPool2d: d,
  binaryCrossEntropy: d,
  scaledDotProductAttention: d,
  'scaledDotProductAttention:masked': d,
};

/** The compile error `recordOp` gives for a name missing from the table says what to add. */
export type CheckedOpName<K extends string> = K extends OpName
  ? K
  : `op '${K}' is not in the op table: add '${K}': { inputs: [x: Tensor]; outputs: [y: Tensor]; attrs: {...} } to OpTable and '${K}': 'differentiable' to OPS in packages/tensor/src/op-table.ts, then its rule with defineGradient('${K}', ...) in packages/autograd/src/rules/`;

/** The attributes argument of `recordOp`: optional for ops without attributes. */
export type AttrsArg<K extends string> = K extends OpName
  ? NoAttrs extends OpTable[K]['attrs']
    ? [attrs?: OpTable[K]['attrs']]
    : [attrs: OpTable[K]['attrs']]
  : [attrs?: object];

/** The input tensors `recordOp` takes for an op. */
export type InputsArg<K extends string> = K extends OpName ? OpTable[K]['inputs'] : readonly Tensor[];

/** The output tensors `recordOp` takes for an op. */
export type OutputsArg<K extends string> = K extends OpName ? OpTable[K]['outputs'] : readonly Tensor[];
