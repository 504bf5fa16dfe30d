import type { Backend, Storage, TensorView } from './backend.js';
import { warnDeprecated } from './deprecation.js';
import { type DType, isFloat, type TypedArray } from './dtype.js';
import {
  type BackwardOptions,
  countTensor,
  type DataRef,
  engine,
  type GradFn,
  newDataRef,
  nextTensorId,
  releaseData,
  retainData,
  withGradMode,
} from './engine.js';
import {
  AutogradError,
  BackendError,
  DisposedError,
  DTypeError,
  fmtShape,
  ShapeError,
  ValueError,
} from './errors.js';
import { formatTensor } from './format.js';
import { track } from './memory.js';
import { nest } from './nest.js';
import * as act from './ops/activation.js';
import * as cu from './ops/cumulative.js';
import type { Dims } from './ops/dim-args.js';
import * as ew from './ops/elementwise.js';
import * as idx from './ops/indexing.js';
import * as mk from './ops/mask.js';
import * as mm from './ops/matmul.js';
import * as red from './ops/reduce.js';
import * as ro from './ops/reorder.js';
import * as rp from './ops/repeat.js';
import * as sm from './ops/sample.js';
import * as sh from './ops/shape.js';
import * as so from './ops/sort.js';
import { checkOptions, optionKeys } from './options.js';
import { collectIfPressed } from './pressure.js';
import { contiguousStrides, isContiguous, shapesEqual, sizeOf } from './shape.js';

/** Nested JS arrays as returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];

interface Life {
  disposed: boolean;
  ref: DataRef;
  backend: string;
  gradFn: GradFn | null;
  /** Whether the finalizer watches this tensor (see `_guard`). */
  guarded: boolean;
}

// The safety net for tensors nobody disposed: WebAssembly and GPU memory are invisible to the GC.
const finalizer = new FinalizationRegistry<Life>((life) => {
  if (life.disposed) return;
  life.disposed = true;
  countTensor(life.backend, -1);
  releaseData(life.ref);
  life.gradFn?.release();
});

/** A saved view of a tensor's data that keeps the storage alive (autograd's saved tensors). */
export class SavedTensor {
  #ref: DataRef | null;
  constructor(
    ref: DataRef,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
  ) {
    retainData(ref);
    this.#ref = ref;
  }
  /** A new tensor over the saved data (tracked by the current scope). */
  restore(): Tensor {
    if (!this.#ref) throw new AutogradError('a saved tensor was used after its graph was freed');
    return Tensor._view(this.#ref, this.shape, this.strides, this.offset);
  }
  release(): void {
    if (this.#ref) releaseData(this.#ref);
    this.#ref = null;
  }
}

/**
 * An n-dimensional array: a shape, strides and an offset over storage owned by a backend.
 * Views (reshape, transpose, slicing, expand) share storage with their base.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(x.shape, x.dtype); // [2, 3] 'float32'
 * const y = x.mul(2).sum({ dim: 1 }); // ops are methods too
 * console.log(await y.data()); // Float32Array [12, 30]
 * ```
 */
export class Tensor implements TensorView {
  readonly id: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  #life: Life;
  #requiresGrad = false;
  /** The accumulated gradient after `backward()`, or null. */
  grad: Tensor | null = null;

  private constructor(ref: DataRef, shape: readonly number[], strides: readonly number[], offset: number) {
    this.id = nextTensorId();
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    this.offset = offset;
    this.dtype = ref.dtype;
    retainData(ref);
    this.#life = { disposed: false, ref, backend: ref.backend.name, gradFn: null, guarded: false };
    countTensor(ref.backend.name, 1);
    if (!track(this)) this._guard();
  }

  /**
   * @internal Puts this tensor under the finalizer's watch. A tensor made inside a `tidy` scope
   * is guarded only when it leaves the last scope alive (returned or kept): most are freed by
   * their scope, and a registration costs about as much as the rest of making the tensor.
   */
  _guard(): void {
    const life = this.#life;
    if (life.guarded || life.disposed) return;
    life.guarded = true;
    finalizer.register(this, life, life);
  }

  /** @internal A new contiguous tensor over freshly made storage. */
  static _fromStorage(backend: Backend, storage: Storage, dtype: DType, shape: readonly number[]): Tensor {
    const ref = newDataRef(backend, storage, dtype, sizeOf(shape));
    return new Tensor(ref, shape, contiguousStrides(shape), 0);
  }

  /** @internal A view sharing `ref`. */
  static _view(ref: DataRef, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    return new Tensor(ref, shape, strides, offset);
  }

  /** @internal */
  get _ref(): DataRef {
    this.#check('use');
    return this.#life.ref;
  }

  #check(what: string): void {
    if (this.#life.disposed) {
      throw new DisposedError(`${what}: tensor ${fmtShape(this.shape)} (${this.dtype}) was disposed`);
    }
  }

  get storage(): Storage {
    this.#check('read');
    return this.#life.ref.storage;
  }
  get backend(): Backend {
    return this.#life.ref.backend;
  }
  get backendName(): string {
    return this.#life.backend;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  /**
   * The number of dims.
   * @deprecated Use `ndim` or `dim()`, PyTorch's spellings; `rank` goes at 1.0.
   */
  get rank(): number {
    warnDeprecated('Tensor.rank', 'ndim or dim()');
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.#life.disposed;
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  /** The autograd node that made this tensor (null for leaves). */
  get gradFn(): GradFn | null {
    return this.#life.gradFn;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  numel(): number {
    return this.size;
  }
  dim(): number {
    return this.shape.length;
  }

  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      throw new DTypeError(
        `requiresGrad: only floating point tensors can require gradients, got ${this.dtype}`,
      );
    }
    if (value && !engine.gradEngine) {
      throw new AutogradError(
        "requiresGrad: automatic differentiation is not installed; call installAutograd() from '@nn/autograd' first",
      );
    }
    if (!value && this.gradFn) {
      throw new AutogradError('requiresGrad: cannot turn gradients off on a non-leaf tensor; use detach()');
    }
    this.#requiresGrad = value;
  }
  /** Sets requiresGrad in place and returns this tensor (PyTorch's `requires_grad_`). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }
  /** @internal Marks an op output as part of the graph. */
  _setGradFn(fn: GradFn): void {
    this.#life.gradFn = fn;
    this.#requiresGrad = true;
  }

  /** Frees this tensor now. Views keep shared storage alive until they are freed too. */
  dispose(): void {
    const life = this.#life;
    if (life.disposed) return;
    life.disposed = true;
    if (life.guarded) finalizer.unregister(life);
    countTensor(life.backend, -1);
    releaseData(life.ref);
    if (life.gradFn) {
      const fn = life.gradFn;
      life.gradFn = null;
      fn.release();
    }
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Keeps this tensor's data alive for the graph, independent of this object. */
  save(): SavedTensor {
    return new SavedTensor(this._ref, this.shape, this.strides, this.offset);
  }

  /**
   * Replaces this tensor's values with those of `value` (same shape and dtype) without
   * changing its identity: how optimizers update parameters.
   */
  assign(value: Tensor): this {
    this.#check('assign');
    if (!shapesEqual(value.shape, this.shape)) {
      throw new ShapeError(
        `assign: expected a value of shape ${fmtShape(this.shape)}, got ${fmtShape(value.shape)}`,
      );
    }
    if (value.dtype !== this.dtype) {
      throw new DTypeError(`assign: expected dtype ${this.dtype}, got ${value.dtype}`);
    }
    if (value.backendName !== this.backendName) {
      throw new BackendError(
        `assign: value is on '${value.backendName}', this tensor on '${this.backendName}'`,
      );
    }
    const src =
      value.isContiguous && value.offset === 0 && value._ref.size === value.size
        ? value
        : value.contiguous(true);
    const ref = src._ref;
    retainData(ref);
    releaseData(this.#life.ref);
    this.#life.ref = ref;
    (this as { strides: readonly number[] }).strides = Object.freeze(contiguousStrides(this.shape));
    (this as { offset: number }).offset = 0;
    if (src !== value) src.dispose();
    return this;
  }

  /**
   * @internal Moves this tensor's values (and its gradient's) to another backend in place: the
   * same object, with new storage. How `Module.to` moves parameters, so an optimizer built
   * before the move still holds them, as in PyTorch.
   */
  _moveTo(backend: string): void {
    this.#check('to');
    if (backend === this.backendName) return;
    const moved = withGradMode(false, () => sh.to(this, backend), '_moveTo');
    const life = this.#life;
    const ref = moved._ref;
    retainData(ref);
    releaseData(life.ref);
    countTensor(life.backend, -1);
    countTensor(ref.backend.name, 1);
    life.ref = ref;
    life.backend = ref.backend.name;
    (this as { strides: readonly number[] }).strides = Object.freeze(contiguousStrides(this.shape));
    (this as { offset: number }).offset = 0;
    moved.dispose();
    this.grad?._moveTo(backend);
  }

  // ------------------------------------------------------------ reading

  /** The values in row-major order (a copy), when they are ready. */
  async data(): Promise<TypedArray> {
    this.#check('data');
    const c =
      this.isContiguous && this.offset === 0 && this._ref.size === this.size ? this : this.contiguous(true);
    const out = await c.backend.read(c.storage, c.dtype, c.size);
    if (c !== this) c.dispose();
    // Tensors the program dropped without disposing are freed here once memory has grown.
    const collecting = collectIfPressed();
    if (collecting) await collecting;
    return out;
  }

  /** The values now; only on backends that hold data in host memory. */
  dataSync(): TypedArray {
    this.#check('dataSync');
    const b = this.backend;
    if (!b.readSync) {
      throw new BackendError(
        `dataSync: the '${b.name}' backend cannot read synchronously; use await t.data()`,
      );
    }
    const c =
      this.isContiguous && this.offset === 0 && this._ref.size === this.size ? this : this.contiguous(true);
    const out = b.readSync(c.storage, c.dtype, c.size);
    if (c !== this) c.dispose();
    return out;
  }

  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new ShapeError(
        `item: only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`,
      );
    }
    return (await this.data())[0];
  }
  itemSync(): number {
    if (this.size !== 1) {
      throw new ShapeError(
        `item: only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`,
      );
    }
    return this.dataSync()[0];
  }

  /** PyTorch-style text; needs a host-memory backend (else use `await t.format()`). */
  toString(): string {
    if (this.isDisposed) return `tensor(<disposed>, shape=${fmtShape(this.shape)})`;
    if (!this.backend.readSync)
      return `tensor(<on ${this.backendName}: await t.format()>, shape=${fmtShape(this.shape)})`;
    return formatTensor(this.dataSync(), this.shape, this.dtype, this.requiresGrad, this.gradFn?.name);
  }
  /**
   * Refuses JSON.stringify, as PyTorch's json.dumps refuses a tensor: the JSON of a tensor's
   * fields would be its metadata, not its values, and a model saved that way cannot be loaded.
   */
  toJSON(): never {
    throw new ValueError(
      `a Tensor ${fmtShape(this.shape)} (${this.dtype}) is not JSON: JSON.stringify would save no values. Save a model with saveModel(model, path) from @nn/io (safetensors) or saveWeights(model, path) from @nn/train; read values with await t.array()`,
    );
  }

  async format(): Promise<string> {
    return formatTensor(await this.data(), this.shape, this.dtype, this.requiresGrad, this.gradFn?.name);
  }

  // ------------------------------------------------------------ autograd

  /** Accumulates d(this)/d(leaf) into every leaf's `.grad`. */
  backward(options?: BackwardOptions): void;
  backward(gradient?: Tensor, options?: BackwardOptions): void;
  backward(gradientOrOptions?: Tensor | BackwardOptions, maybeOptions?: BackwardOptions): void {
    // PyTorch's `loss.backward(retain_graph=True)` reads as `loss.backward({ retainGraph: true })`.
    const gradient = gradientOrOptions instanceof Tensor ? gradientOrOptions : undefined;
    const given = gradientOrOptions instanceof Tensor ? maybeOptions : (gradientOrOptions ?? maybeOptions);
    if (
      gradientOrOptions !== undefined &&
      !(gradientOrOptions instanceof Tensor) &&
      maybeOptions !== undefined
    )
      throw new AutogradError('backward: pass the options once, as backward(gradient, { retainGraph })');
    const options = checkOptions(
      'backward',
      given,
      optionKeys<BackwardOptions>({ retainGraph: 1, createGraph: 1 }),
    );
    const ge = engine.gradEngine;
    if (!ge) {
      throw new AutogradError(
        "backward: automatic differentiation is not installed; call installAutograd() from '@nn/autograd'",
      );
    }
    ge.backward(this, gradient, options);
  }
  /** A tensor sharing this data, cut from the graph. */
  detach(): Tensor {
    return Tensor._view(this._ref, this.shape, this.strides, this.offset);
  }
  /** Sets `.grad` to null (freeing it). */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  // ------------------------------------------------------------ conversion

  /** A contiguous copy (or this tensor when already contiguous, unless `force`). */
  contiguous(force = false): Tensor {
    return sh.contiguous(this, force);
  }
  clone(): Tensor {
    return sh.contiguous(this, true);
  }
  /** Converts to a dtype (`t.to('int32')`) or copies to another backend (`t.to('wasm')`). */
  to(target: DType | string): Tensor {
    return sh.to(this, target);
  }
  /** Copies to another backend, waiting for the data where the source cannot read synchronously. */
  toAsync(backend: string): Promise<Tensor> {
    return sh.toAsync(this, backend);
  }
  cast(dtype: DType): Tensor {
    return ew.cast(this, dtype);
  }
  float(): Tensor {
    return ew.cast(this, 'float32');
  }
  double(): Tensor {
    return ew.cast(this, 'float64');
  }
  int(): Tensor {
    return ew.cast(this, 'int32');
  }
  bool(): Tensor {
    return ew.cast(this, 'bool');
  }

  // ------------------------------------------------------------ element-wise

  add(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return ew.add(this, other, options);
  }
  sub(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return ew.sub(this, other, options);
  }
  mul(other: Tensor | number): Tensor {
    return ew.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return ew.div(this, other);
  }
  pow(exponent: Tensor | number): Tensor {
    return ew.pow(this, exponent);
  }
  maximum(other: Tensor | number): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: Tensor | number): Tensor {
    return ew.minimum(this, other);
  }
  eq(other: Tensor | number): Tensor {
    return ew.eq(this, other);
  }
  ne(other: Tensor | number): Tensor {
    return ew.ne(this, other);
  }
  lt(other: Tensor | number): Tensor {
    return ew.lt(this, other);
  }
  le(other: Tensor | number): Tensor {
    return ew.le(this, other);
  }
  gt(other: Tensor | number): Tensor {
    return ew.gt(this, other);
  }
  ge(other: Tensor | number): Tensor {
    return ew.ge(this, other);
  }
  logicalAnd(other: Tensor): Tensor {
    return ew.logicalAnd(this, other);
  }
  logicalOr(other: Tensor): Tensor {
    return ew.logicalOr(this, other);
  }
  logicalNot(): Tensor {
    return ew.logicalNot(this);
  }
  /** `this` where `condition`, else `other` (PyTorch's `x.where(cond, y)`). */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return ew.where(condition, this, other);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  log1p(): Tensor {
    return ew.log1p(this);
  }
  expm1(): Tensor {
    return ew.expm1(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  floor(): Tensor {
    return ew.floor(this);
  }
  ceil(): Tensor {
    return ew.ceil(this);
  }
  round(): Tensor {
    return ew.round(this);
  }
  /** Limits values to [min, max]: `x.clamp(0, 1)`, `x.clamp(null, 1)`, `x.clamp({ min: 0 })`. */
  clamp(options: ew.ClampOptions): Tensor;
  clamp(min: number | null, max?: number | null): Tensor;
  clamp(min: number | null | ew.ClampOptions, max?: number | null): Tensor {
    return ew.clamp(this, min as number, max);
  }
  clampMin(min: number): Tensor {
    return ew.clampMin(this, min);
  }
  clampMax(max: number): Tensor {
    return ew.clampMax(this, max);
  }
  /** `value` where the bool `mask` is true (PyTorch's masked_fill). */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return mk.maskedFill(this, mask, value);
  }
  /** The lower triangle of the last two dims (col - row <= diagonal). */
  tril(diagonal = 0): Tensor {
    return mk.tril(this, diagonal);
  }
  /** The upper triangle of the last two dims (col - row >= diagonal). */
  triu(diagonal = 0): Tensor {
    return mk.triu(this, diagonal);
  }

  // ------------------------------------------------------------ activations

  relu(): Tensor {
    return act.relu(this);
  }
  sigmoid(): Tensor {
    return act.sigmoid(this);
  }
  tanh(): Tensor {
    return act.tanh(this);
  }
  /** Softmax along `dim`: `x.softmax(1)` or `x.softmax({ dim: 1 })`. */
  softmax(dim: number | { dim: number }): Tensor {
    return red.softmax(this, dim);
  }
  logSoftmax(dim: number | { dim: number }): Tensor {
    return red.logSoftmax(this, dim);
  }

  // ------------------------------------------------------------ reductions
  // Each takes PyTorch's positional form (`x.sum(1)`, `x.sum([0, 2], true)`) or an options object.

  sum(options?: red.DimOptions): Tensor;
  sum(dim: Dims, keepdim?: boolean): Tensor;
  sum(dim?: Dims | red.DimOptions, keepdim?: boolean): Tensor {
    return red.sum(this, dim as Dims, keepdim);
  }
  mean(options?: red.DimOptions): Tensor;
  mean(dim: Dims, keepdim?: boolean): Tensor;
  mean(dim?: Dims | red.DimOptions, keepdim?: boolean): Tensor {
    return red.mean(this, dim as Dims, keepdim);
  }
  prod(options?: red.DimOptions): Tensor;
  prod(dim: Dims, keepdim?: boolean): Tensor;
  prod(dim?: Dims | red.DimOptions, keepdim?: boolean): Tensor {
    return red.prod(this, dim as Dims, keepdim);
  }
  /** Max of all elements; `{ values, indices }` along a dim (`x.max(1)`, `x.max(1, true)`, `x.max({ dim: 1 })`); or the element-wise maximum with another tensor. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): red.ValuesIndices;
  max(options: red.SingleDimOptions & { dim: number }): red.ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor | red.SingleDimOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.max(this, dim as number, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): red.ValuesIndices;
  min(options: red.SingleDimOptions & { dim: number }): red.ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor | red.SingleDimOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.min(this, dim as number, keepdim);
  }
  amax(options?: red.DimOptions): Tensor;
  amax(dim: Dims, keepdim?: boolean): Tensor;
  amax(dim?: Dims | red.DimOptions, keepdim?: boolean): Tensor {
    return red.amax(this, dim as Dims, keepdim);
  }
  amin(options?: red.DimOptions): Tensor;
  amin(dim: Dims, keepdim?: boolean): Tensor;
  amin(dim?: Dims | red.DimOptions, keepdim?: boolean): Tensor {
    return red.amin(this, dim as Dims, keepdim);
  }
  argmax(options?: red.SingleDimOptions): Tensor;
  argmax(dim: number, keepdim?: boolean): Tensor;
  argmax(dim?: number | red.SingleDimOptions, keepdim?: boolean): Tensor {
    return red.argmax(this, dim as number, keepdim);
  }
  argmin(options?: red.SingleDimOptions): Tensor;
  argmin(dim: number, keepdim?: boolean): Tensor;
  argmin(dim?: number | red.SingleDimOptions, keepdim?: boolean): Tensor {
    return red.argmin(this, dim as number, keepdim);
  }
  var(options?: red.VarOptions): Tensor;
  var(unbiased: boolean): Tensor;
  var(dim: Dims, unbiased?: boolean, keepdim?: boolean): Tensor;
  var(dim?: Dims | boolean | red.VarOptions, unbiased?: boolean, keepdim?: boolean): Tensor {
    return red.variance(this, dim as Dims, unbiased, keepdim);
  }
  std(options?: red.VarOptions): Tensor;
  std(unbiased: boolean): Tensor;
  std(dim: Dims, unbiased?: boolean, keepdim?: boolean): Tensor;
  std(dim?: Dims | boolean | red.VarOptions, unbiased?: boolean, keepdim?: boolean): Tensor {
    return red.std(this, dim as Dims, unbiased, keepdim);
  }
  logsumexp(options: red.DimOptions & { dim: Dims }): Tensor;
  logsumexp(dim: Dims, keepdim?: boolean): Tensor;
  logsumexp(dim: Dims | red.DimOptions, keepdim?: boolean): Tensor {
    return red.logsumexp(this, dim as Dims, keepdim);
  }
  norm(options?: red.NormOptions): Tensor;
  norm(p: number | 'fro', dim?: Dims, keepdim?: boolean): Tensor;
  norm(p?: number | 'fro' | red.NormOptions, dim?: Dims, keepdim?: boolean): Tensor {
    return red.norm(this, p as number, dim, keepdim);
  }
  cumsum(dim: number, options?: cu.CumulativeOptions): Tensor {
    return cu.cumsum(this, dim, options);
  }
  cumprod(dim: number, options?: cu.CumulativeOptions): Tensor {
    return cu.cumprod(this, dim, options);
  }
  /** Sorted along a dim (stable): `{ values, indices }`. */
  sort(dimOrOptions?: number | so.SortOptions): red.ValuesIndices {
    return so.sort(this, dimOrOptions);
  }
  argsort(dimOrOptions?: number | so.SortOptions): Tensor {
    return so.argsort(this, dimOrOptions);
  }
  /** The k largest (or smallest) along a dim, sorted: `{ values, indices }`. */
  topk(k: number, dimOrOptions?: number | so.TopkOptions): red.ValuesIndices {
    return so.topk(this, k, dimOrOptions);
  }
  /** numSamples category indices per row of weights (seeded). */
  multinomial(numSamples: number, options?: sm.MultinomialOptions): Tensor {
    return sm.multinomial(this, numSamples, options);
  }

  // ------------------------------------------------------------ shape

  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return sh.reshape(this, sh.shapeArgs(shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return sh.view(this, sh.shapeArgs(shape));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  /** The 2-D transpose (`t.T`). */
  get T(): Tensor {
    return sh.t(this);
  }
  t(): Tensor {
    return sh.t(this);
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return sh.permute(this, sh.shapeArgs(dims));
  }
  squeeze(dim?: number | readonly number[] | { dim?: number | readonly number[] }): Tensor {
    return sh.squeeze(this, dim);
  }
  unsqueeze(dim: number | sh.DimOption): Tensor {
    return sh.unsqueeze(this, dim);
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return sh.expand(this, sh.shapeArgs(shape));
  }
  expandAs(other: Tensor): Tensor {
    return sh.expand(this, other.shape);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return sh.expand(this, shape);
  }
  flatten(startDim?: number | sh.FlattenOptions, endDim?: number): Tensor {
    return sh.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return sh.unflatten(this, dim, sizes);
  }
  split(sizes: number | readonly number[], dim: number | sh.DimOption = 0): Tensor[] {
    return sh.split(this, sizes, dim);
  }
  chunk(chunks: number, dim: number | sh.DimOption = 0): Tensor[] {
    return sh.chunk(this, chunks, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return idx.narrow(this, dim, start, length);
  }
  /** NumPy/PyTorch indexing: numbers select, `'1:3'`/`'::2'`/`{start, stop, step}` slice, `'...'`, `null` adds an axis. */
  index(...items: idx.IndexItem[]): Tensor {
    return idx.index(this, items);
  }
  select(dim: number, i: number): Tensor {
    return idx.select(this, dim, i);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return idx.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return idx.gather(this, dim, index);
  }
  flip(...dims: number[] | [readonly number[]]): Tensor {
    return ro.flip(this, sh.shapeArgs(dims));
  }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return ro.roll(this, shifts, dims);
  }
  /** Tiles the tensor `sizes[i]` times along each dim (PyTorch's repeat). */
  repeat(...sizes: number[] | [readonly number[]]): Tensor {
    return rp.repeat(this, sh.shapeArgs(sizes));
  }
  tile(...reps: number[] | [readonly number[]]): Tensor {
    return rp.tile(this, sh.shapeArgs(reps));
  }

  // ------------------------------------------------------------ linear algebra

  matmul(other: Tensor): Tensor {
    return mm.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return mm.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return mm.bmm(this, other);
  }
}

/** True when `x` is an nn `Tensor`. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
