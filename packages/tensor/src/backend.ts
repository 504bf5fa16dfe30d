import type { DType, TypedArray } from './dtype.js';

/**
 * Backend-owned storage. Only the backend that made it looks inside: a typed array (cpu), a
 * block of WebAssembly memory (wasm), a GPUBuffer (webgpu).
 */
export type Storage = unknown;

/** What a kernel sees of a tensor: storage read through shape, strides (in elements) and offset. */
export interface TensorView {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Element-wise unary kernels. Parameters travel in `params` in the order listed. */
export const UNARY_OPS = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'square',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'erf',
  'log1p',
  'expm1',
  'floor',
  'ceil',
  'round',
  'relu',
  'logicalNot',
  /** params [negativeSlope] */
  'leakyRelu',
  /** params [alpha] */
  'elu',
  'selu',
  'gelu',
  'geluTanh',
  /** params [beta, threshold] */
  'softplus',
  'silu',
  /** params [min, max]; either may be ±Infinity */
  'clamp',
  /** params [exponent] */
  'powScalar',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Element-wise binary kernels over two broadcast operands of one dtype. */
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** The binary ops whose result is bool (`eq`, `ne`, `lt`, `le`, `gt`, `ge`, logical and/or). */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
]);

/** The reductions every backend implements along any set of axes. */
export const REDUCE_OPS = ['sum', 'prod', 'max', 'min'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** One random draw: element i uses counter `counter + i` of the seeded counter-based generator. */
export interface RandomSpec {
  readonly dist: 'uniform' | 'normal';
  /** Threefry key (two uint32). */
  readonly key: readonly [number, number];
  /** First counter value (an integer below 2^53). */
  readonly counter: number;
  /** uniform: [low, high); normal: mean and std. */
  readonly a: number;
  readonly b: number;
}

export interface BackendMemory {
  /** Bytes the backend holds for live storage. */
  readonly bytesInUse: number;
  /** Bytes kept in a pool for reuse (webgpu), or reserved but free (wasm). */
  readonly bytesReserved?: number;
}

/**
 * The Backend contract. Every kernel validates nothing (the frontend in @nn/tensor checked
 * shapes, dtypes and ranges first) and returns a fresh contiguous storage of the output.
 * Kernels may queue work (webgpu); only `read` waits.
 */
export interface Backend {
  /** The name it is registered under; every built-in backend takes a `name` option. */
  readonly name: string;
  /**
   * Shuts the backend down: releases what it holds beyond tensor storage (worker threads, the GPU
   * device). Every built-in backend has it; remove the backend from the registry too
   * (`removeBackend`) if it was registered.
   */
  dispose?(): void;
  /** dtypes this backend stores; float64 is optional. */
  readonly dtypes: readonly DType[];
  /** True when `readSync` is available (storage in host memory). */
  readonly hostMemory: boolean;

  /** Copies host values into new storage. */
  upload(values: TypedArray, dtype: DType): Storage;
  /** Reads `size` contiguous elements. */
  read(storage: Storage, dtype: DType, size: number): Promise<TypedArray>;
  readSync?(storage: Storage, dtype: DType, size: number): TypedArray;
  /** Frees storage made by this backend. Called exactly once per storage. */
  free(storage: Storage): void;
  memory(): BackendMemory;

  fill(size: number, dtype: DType, value: number): Storage;
  random(size: number, dtype: DType, spec: RandomSpec): Storage;
  /** Contiguous copy of a strided view, converted to `dtype`. */
  cast(x: TensorView, dtype: DType): Storage;
  unary(op: UnaryOp, x: TensorView, params: readonly number[]): Storage;
  /** `a` and `b` share a dtype; a number is a scalar operand. The result has `outShape`
   *  (already broadcast) and dtype bool for comparisons, else the operands' dtype. */
  binary(op: BinaryOp, a: TensorView | number, b: TensorView | number, outShape: readonly number[]): Storage;
  /** cond is bool; a and b share a dtype. */
  where(cond: TensorView, a: TensorView, b: TensorView, outShape: readonly number[]): Storage;
  /** Reduces the (sorted, distinct) `axes`; the result is contiguous with those axes removed. */
  reduce(op: ReduceOp, x: TensorView, axes: readonly number[]): Storage;
  /** int32 index of the first max/min along `axis`; the axis is removed. */
  argReduce(op: 'argmax' | 'argmin', x: TensorView, axis: number): Storage;
  /**
   * int32 positions that sort x along `axis` (same shape as x): stable, so equal values keep
   * their order; NaN sorts as the largest value (last ascending, first descending).
   */
  argsort(x: TensorView, axis: number, descending: boolean): Storage;
  /** a [...batch, m, k] times b [...batch, k, n] (equal ranks >= 2, equal batch dims, any strides,
   *  stride 0 where a batch dim is broadcast); the result is [...batch, m, n]. */
  matmul(a: TensorView, b: TensorView): Storage;
  /** Joins contiguous-or-strided inputs (one dtype) along `axis` into `outShape`. */
  concat(inputs: readonly TensorView[], axis: number, outShape: readonly number[]): Storage;
  /** torch.gather: out[i][j][k] = x[index[i][j][k]][j][k] for dim 0, and so on. out has index's shape. */
  gather(x: TensorView, dim: number, index: TensorView): Storage;
  /** zeros(shape), then out[index-along-dim] += src (the adjoint of gather). */
  scatterAdd(shape: readonly number[], dim: number, index: TensorView, src: TensorView): Storage;

  /** Optional fused kernels; the frontend composes primitives where one is missing. */
  readonly fused?: FusedKernels;
  /** Work queued so far is done (webgpu); resolves at once elsewhere. */
  sync?(): Promise<void>;
  /**
   * Installs (`probe`) or removes (`null`) hooks that time the backend's own work inside its
   * kernels: allocation, freeing, waiting for worker threads. Only the profiler calls it, so a
   * backend that is not being profiled does no extra work; a backend without it is profiled from
   * the outside only (its kernels, reads and uploads).
   */
  instrument?(probe: Probe | null): void;
}

/**
 * Spans a profiler hands to instrumented code. `enter`/`exit` pairs nest; each span is timed
 * exclusive of the spans inside it, so an allocation inside a kernel counts as allocation only.
 */
export interface Probe {
  /** Starts a span of `category` ('alloc', 'free', 'threadSync', ...). */
  enter(category: string): void;
  /** Ends the innermost span. */
  exit(): void;
  /** Adds `n` (default 1) to a counter ('allocations', 'parallelCalls', ...). */
  count(name: string, n?: number): void;
}

export interface Conv2dParams {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface Pool2dParams {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean;
}

/** How a loss kernel reduces its per-row losses. */
export type LossReduction = 'none' | 'sum' | 'mean';

/** An activation a fused kernel applies to its result before writing it ('none' or max(x, 0)). */
export type FusedActivation = 'none' | 'relu';

/**
 * Fast paths a backend may offer. Each has a composite fallback in @nn/tensor, the one place that
 * chooses between them (a tensor-level op per kernel: linear and reluBackward, softmax and softmaxBackward, conv2d and its
 * two gradients, the pools and theirs, adamStep, sgdStep); the conformance suite also runs on a
 * backend without any. Backward kernels are skipped while a graph is recorded through them
 * (gradients of gradients), since their output has no graph.
 */
export interface FusedKernels {
  /**
   * A Linear layer in one pass: x wᵀ, plus `bias` per column when given, then `activation`
   * (relu as PyTorch's: NaN stays NaN). x is [M, K] and contiguous (only `offset` may be
   * non-zero), w is [N, K] with any strides (a transposed view is read in place), bias is [N]
   * and contiguous or null. The result is [M, N].
   */
  linear?(x: TensorView, w: TensorView, bias: TensorView | null, activation: FusedActivation): Storage;
  /** relu's gradient: g where x > 0, else 0 (NaN in x gives 0). x and g contiguous, one shape. */
  reluBackward?(x: TensorView, g: TensorView): Storage;
  /**
   * Cross entropy of logits x [M, C] (float, contiguous) at class indices `target` [M] (int32,
   * contiguous): per row logsumexp(x) - x[target], 0 where the target is `ignoreIndex`; 'none'
   * keeps the M losses, 'sum' adds them, 'mean' divides the sum by the rows not ignored (NaN when
   * all are). The kernel checks the targets as it reads them: one neither ignored nor in [0, C)
   * makes it return `{ badTarget }` (its value) and keep nothing.
   */
  crossEntropy?(
    x: TensorView,
    target: TensorView,
    ignoreIndex: number,
    reduction: LossReduction,
  ): { loss: Storage } | { badTarget: number };
  /**
   * Its gradient for x: g · (softmax(x) - onehot(target)) per row, 0 on ignored rows, divided by
   * the rows not ignored for 'mean'. g has the loss's shape (one value, or [M] for 'none').
   */
  crossEntropyBackward?(
    x: TensorView,
    target: TensorView,
    g: TensorView,
    ignoreIndex: number,
    reduction: LossReduction,
  ): Storage;
  /** softmax / log-softmax along `axis` (contiguous result, same shape). */
  softmax?(x: TensorView, axis: number, log: boolean): Storage;
  /** Gradient of softmax given y = softmax(x) (or log-softmax output when log). */
  softmaxBackward?(y: TensorView, dy: TensorView, axis: number, log: boolean): Storage;
  /**
   * 2-d convolution without bias: x [N, C, H, W], w [outC, C/groups, kH, kW] -> outShape
   * [N, outC, oH, oW], zero padding (PyTorch semantics). The frontend maps conv1d onto it (H = 1)
   * and adds the bias itself; each of the three conv kernels (and each pool kernel) is used on its
   * own where present, so a backend may offer the forward kernel without the backward ones. For
   * every conv and pool kernel, the tensor arguments arrive contiguous (only `offset` may be non-zero).
   */
  conv2d?(x: TensorView, w: TensorView, p: Conv2dParams, outShape: readonly number[]): Storage;
  /**
   * `conv2d` plus `bias` [outC] (contiguous) per output channel, then `activation`: a Conv2d layer
   * (and a ReLU after it) in one pass, the epilogue applied while each sample's output is in
   * cache. Used only where the backend also has `conv2d`; the gradients are conv2d's.
   */
  conv2dBias?(
    x: TensorView,
    w: TensorView,
    bias: TensorView,
    p: Conv2dParams,
    outShape: readonly number[],
    activation: FusedActivation,
  ): Storage;
  conv2dBackwardInput?(dy: TensorView, w: TensorView, p: Conv2dParams, xShape: readonly number[]): Storage;
  conv2dBackwardWeight?(x: TensorView, dy: TensorView, p: Conv2dParams, wShape: readonly number[]): Storage;
  /**
   * The gradients of `conv2dBias` (output `y`, output gradient `g`) in the passes its weight
   * gradient makes anyway: g masked by relu's gradient (where y > 0) when `activation` is 'relu',
   * then the weight gradient, the bias gradient (the masked g summed over N, H and W) and, when
   * `input` is true, the input gradient. Saves relu's backward pass and the bias's sum.
   */
  conv2dBiasBackward?(
    x: TensorView,
    w: TensorView,
    y: TensorView,
    g: TensorView,
    p: Conv2dParams,
    activation: FusedActivation,
    input: boolean,
  ): { input: Storage | null; weight: Storage; bias: Storage };
  /**
   * Max pool over [N, C, H, W] with -inf padding: values, and int32 indices of each max within its
   * unpadded input plane (h * W + w, as PyTorch returns them). The first max in window order wins;
   * NaN wins over numbers. ceilMode is already folded into outShape.
   */
  maxPool2d?(
    x: TensorView,
    p: Pool2dParams,
    outShape: readonly number[],
  ): { values: Storage; indices: Storage };
  maxPool2dBackward?(dy: TensorView, indices: TensorView, xShape: readonly number[]): Storage;
  /** Average pool (p.dilation is [1, 1]); divisors follow PyTorch's countIncludePad / ceil-mode rule. */
  avgPool2d?(x: TensorView, p: Pool2dParams, countIncludePad: boolean, outShape: readonly number[]): Storage;
  avgPool2dBackward?(
    dy: TensorView,
    p: Pool2dParams,
    countIncludePad: boolean,
    xShape: readonly number[],
  ): Storage;
  /** One Adam/AdamW step over contiguous p, g, m, v (and vMax for amsgrad): returns new p, m, v, vMax. */
  adamStep?(args: AdamStepArgs): { p: Storage; m: Storage; v: Storage; vMax?: Storage };
  /** One SGD step with optional momentum buffer: returns new p and buffer. */
  sgdStep?(args: SgdStepArgs): { p: Storage; buf?: Storage };
  /**
   * Scaled dot-product attention without dropout: out = softmax(q kᵀ·scale + mask) v per batch,
   * and each row's logsumexp of those scores (what the backward needs to rebuild the weights
   * without keeping them). A row whose scores are all -inf (fully masked) gets out 0 and lse
   * +Infinity, so exp(score - lse) is 0 there too. Memory beyond the outputs should not grow with
   * L·S: that is the point of fusing.
   */
  attention?(args: AttentionArgs): { out: Storage; lse: Storage };
  /** Gradients of `attention` given dOut [B, L, Ev] and the forward's out and lse. */
  attentionBackward?(args: AttentionBackwardArgs): { dq: Storage; dk: Storage; dv: Storage };
}

/**
 * Operands of the fused attention kernels. q [B, L, E], k [B, S, E], v [B, S, Ev] are contiguous
 * (only `offset` may be non-zero) and share one float dtype (float64 only where the backend
 * stores it).
 */
export interface AttentionArgs {
  readonly q: TensorView;
  readonly k: TensorView;
  readonly v: TensorView;
  /**
   * null, or a strided view of shape [...batch, L, S] whose batch dims multiply to B (stride 0
   * where broadcast): bool (true = the query attends to the key) or additive, of q's dtype.
   */
  readonly mask: TensorView | null;
  /** Multiplies q·k before the mask is added. */
  readonly scale: number;
  /** Query i attends to keys 0..i only (top-left aligned, PyTorch's is_causal); never with a mask. */
  readonly causal: boolean;
}

export interface AttentionBackwardArgs extends AttentionArgs {
  /** The forward's output [B, L, Ev] and logsumexp [B, L] (contiguous). */
  readonly out: TensorView;
  readonly lse: TensorView;
  /** Gradient of the output [B, L, Ev] (contiguous). */
  readonly dOut: TensorView;
}

export interface AdamStepArgs {
  readonly p: TensorView;
  readonly g: TensorView;
  readonly m: TensorView;
  readonly v: TensorView;
  readonly vMax?: TensorView;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: decay the weights directly instead of adding to the gradient. */
  readonly decoupled: boolean;
  readonly step: number;
}

export interface SgdStepArgs {
  readonly p: TensorView;
  readonly g: TensorView;
  readonly buf?: TensorView;
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** First step: the buffer starts as the gradient. */
  readonly firstStep: boolean;
}
