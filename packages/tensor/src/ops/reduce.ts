import type { ReduceOp } from '../backend.js';
import { isFloat } from '../dtype.js';
import { recordOp, withGradMode } from '../engine.js';
import { DTypeError, fmtShape, ValueError } from '../errors.js';
import { tidy, tidyIf } from '../memory.js';
import { normalizeDim, normalizeDims, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';
import {
  checkFlag,
  type Dims,
  type ReduceArgs,
  readArgs,
  reduceArgs,
  requiredDim,
  singleDimArgs,
} from './dim-args.js';
import {
  add,
  binary,
  cast,
  div,
  exp,
  log,
  maximum,
  minimum,
  mul,
  sqrt,
  sub,
  unary,
  where,
} from './elementwise.js';
import { contiguous, reshape } from './shape.js';
import { assertTensor, backendOf, describeValue, fromStorage, recording } from './util.js';

/**
 * Which dims a reduction runs over (all when omitted; negative dims count from the end), and whether they stay as size 1.
 */
export interface DimOptions {
  /** One dim or several; all dims when left out. */
  dim?: Dims;
  keepdim?: boolean;
}

/** The options of `argmax`/`argmin`/`max`/`min` along one dim. */
export interface SingleDimOptions {
  dim?: number;
  keepdim?: boolean;
}

/**
 * Options of `variance` / `std`: the dims, and Bessel's correction (`unbiased`, default true, or an explicit `correction`).
 */
export interface VarOptions extends DimOptions {
  /** Bessel's correction (divide by n - 1); true unless given. */
  unbiased?: boolean;
  /** Subtracted from n in the divisor; overrides `unbiased`. */
  correction?: number;
}

/** Options of `norm`: the order `p` (2 by default; `Infinity` for the max-norm) and the dims. */
export interface NormOptions extends DimOptions {
  /** The order: 1, 2 (default, also 'fro'), Infinity, or any p > 0. */
  p?: number | 'fro';
}

/**
 * What `max(x, dim)` and `min(x, dim)` give: `{ values, indices }`, which also destructures as
 * PyTorch's pair: `const [values, indices] = x.max(1)`. A type alias, not an interface, so that
 * `tidy(() => x.max(1))` type-checks.
 */
export type ValuesIndices = {
  values: Tensor;
  indices: Tensor;
  [Symbol.iterator](): Iterator<Tensor>;
};

/** `{ values, indices }` that also destructures as the pair `[values, indices]`, as PyTorch returns it. */
export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  const out = { values, indices } as ValuesIndices;
  // Not enumerable, so the pair still reads (and is tidied) as a plain { values, indices } object.
  Object.defineProperty(out, Symbol.iterator, {
    value: function* (): Generator<Tensor> {
      yield values;
      yield indices;
    },
  });
  return out;
}

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** `y`, reduced over `dims` of `shape`, with those dims back as size 1 when `keepdim` (in the caller's scope, which frees `y`). */
function keepDims(y: Tensor, shape: readonly number[], dims: readonly number[], keepdim?: boolean): Tensor {
  return keepdim ? reshape(y, keptShape(shape, dims)) : y;
}

function reducedShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

/** The reduce kernel, recorded under `name` (sum, amax, amin, prod). */
function reduceOp(
  op: ReduceOp,
  name: 'sum' | 'prod' | 'amax' | 'amin',
  x: Tensor,
  dim: Dims | undefined,
  keepdim: boolean,
): Tensor {
  assertTensor(name, 'input', x);
  const dims = normalizeDims(name, dim, x.ndim);
  const b = backendOf(name, x);
  if ((op === 'max' || op === 'min') && dims.some((d) => x.shape[d] === 0)) {
    throw new ValueError(`${name}: cannot reduce over an empty dimension of shape ${fmtShape(x.shape)}`);
  }
  const countBools = (op === 'sum' || op === 'prod') && x.dtype === 'bool';
  const outShape = reducedShape(x.shape, dims);
  return tidyIf(countBools || keepdim, () => {
    const input = countBools ? cast(x, 'int32') : x;
    const y = fromStorage(b, b.reduce(op, input, dims), input.dtype, outShape);
    recordOp(name, [input], [y], { dims });
    return keepDims(y, x.shape, dims, keepdim);
  });
}

/** A reduction over dims read from `(dim, keepdim)` or `({ dim, keepdim })`. */
function reduceWith(
  op: ReduceOp,
  name: 'sum' | 'prod' | 'amax' | 'amin',
  x: Tensor,
  first: unknown,
  keepdim: unknown,
): Tensor {
  assertTensor(name, 'input', x);
  const a = reduceArgs(name, first, keepdim);
  return reduceOp(op, name, x, a.dim, a.keepdim);
}

/** Sum over all elements, or over `dim` (one or several): `sum(x, 1)`, `sum(x, [0, 2], true)`, `sum(x, { dim: 1 })`. */
export function sum(x: Tensor, options?: DimOptions): Tensor;
export function sum(x: Tensor, dim: Dims, keepdim?: boolean): Tensor;
export function sum(x: Tensor, dim?: Dims | DimOptions, keepdim?: boolean): Tensor {
  return reduceWith('sum', 'sum', x, dim, keepdim);
}

/** Product over all elements or over `dim`, read like `sum`. */
export function prod(x: Tensor, options?: DimOptions): Tensor;
export function prod(x: Tensor, dim: Dims, keepdim?: boolean): Tensor;
export function prod(x: Tensor, dim?: Dims | DimOptions, keepdim?: boolean): Tensor {
  return reduceWith('prod', 'prod', x, dim, keepdim);
}

/** Mean over all elements or over `dim`: `mean(x, 1)`, `mean(x, [0, 1], true)`, `mean(x, { dim: 1 })`. */
export function mean(x: Tensor, options?: DimOptions): Tensor;
export function mean(x: Tensor, dim: Dims, keepdim?: boolean): Tensor;
export function mean(x: Tensor, dim?: Dims | DimOptions, keepdim?: boolean): Tensor {
  assertTensor('mean', 'input', x);
  const a = reduceArgs('mean', dim, keepdim);
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `mean: input must be a floating point tensor, got ${x.dtype}; cast it with .to('float32')`,
    );
  }
  const dims = normalizeDims('mean', a.dim, x.ndim);
  const n = dims.reduce((acc, d) => acc * x.shape[d], 1);
  return tidy(() => mul(reduceOp('sum', 'sum', x, a.dim, a.keepdim), 1 / n));
}

/** Largest values over dims; gradient split evenly between ties (PyTorch's amax). */
export function amax(x: Tensor, options?: DimOptions): Tensor;
export function amax(x: Tensor, dim: Dims, keepdim?: boolean): Tensor;
export function amax(x: Tensor, dim?: Dims | DimOptions, keepdim?: boolean): Tensor {
  return reduceWith('max', 'amax', x, dim, keepdim);
}

/** Smallest values over dims (PyTorch's amin). */
export function amin(x: Tensor, options?: DimOptions): Tensor;
export function amin(x: Tensor, dim: Dims, keepdim?: boolean): Tensor;
export function amin(x: Tensor, dim?: Dims | DimOptions, keepdim?: boolean): Tensor {
  return reduceWith('min', 'amin', x, dim, keepdim);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  assertTensor(op, 'input', x);
  const b = backendOf(op, x);
  if (dim === undefined) {
    if (x.size === 0)
      throw new ValueError(`${op}: cannot take ${op} of an empty tensor of shape ${fmtShape(x.shape)}`);
    return tidy(() => {
      const y = fromStorage(b, b.argReduce(op, reshape(x, [x.size]), 0), 'int32', []);
      return keepDims(
        y,
        x.shape,
        x.shape.map((_, i) => i),
        keepdim,
      );
    });
  }
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim === 0) return fromStorage(b, b.fill(1, 'int32', 0), 'int32', []);
  // As PyTorch: the reduced dim must hold values; other empty dims give an empty result.
  if (x.shape[d] === 0) throw new ValueError(`${op}: dim ${d} of shape ${fmtShape(x.shape)} is empty`);
  const outShape = reducedShape(x.shape, [d]);
  return tidyIf(keepdim, () => {
    const y =
      x.size === 0
        ? fromStorage(b, b.fill(0, 'int32', 0), 'int32', outShape)
        : fromStorage(b, b.argReduce(op, x, d), 'int32', outShape);
    return keepDims(y, x.shape, [d], keepdim);
  });
}

function argWith(op: 'argmax' | 'argmin', x: Tensor, first: unknown, keepdim: unknown): Tensor {
  assertTensor(op, 'input', x);
  const a = singleDimArgs(op, first, keepdim);
  return argReduce(op, x, a.dim, a.keepdim);
}

/** Index (int32) of the first largest value, over all elements or along `dim`: `argmax(x, 1)`, `argmax(x, 1, true)`. */
export function argmax(x: Tensor, options?: SingleDimOptions): Tensor;
export function argmax(x: Tensor, dim: number, keepdim?: boolean): Tensor;
export function argmax(x: Tensor, dim?: number | SingleDimOptions, keepdim?: boolean): Tensor {
  return argWith('argmax', x, dim, keepdim);
}
/** Index (int32) of the first smallest value, over all elements or along `dim`. */
export function argmin(x: Tensor, options?: SingleDimOptions): Tensor;
export function argmin(x: Tensor, dim: number, keepdim?: boolean): Tensor;
export function argmin(x: Tensor, dim?: number | SingleDimOptions, keepdim?: boolean): Tensor {
  return argWith('argmin', x, dim, keepdim);
}

function extremum(op: 'max' | 'min', x: Tensor, first: unknown, second: unknown): Tensor | ValuesIndices {
  assertTensor(op, 'input', x);
  // torch.max(a, b): the element-wise maximum.
  if (first instanceof TensorClass) {
    if (second !== undefined)
      throw new ValueError(
        `${op}: max(a, b) of two tensors takes no third argument, got ${describeValue(second)}`,
      );
    return op === 'max' ? maximum(x, first) : minimum(x, first);
  }
  const a = singleDimArgs(op, first, second);
  if (a.dim === undefined) {
    if (second !== undefined || (first !== undefined && a.keepdim))
      throw new ValueError(`${op}: keepdim needs a dim, e.g. ${op}(x, 1, true)`);
    if (x.size === 0)
      throw new ValueError(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
    return op === 'max' ? amax(x) : amin(x);
  }
  const dim = normalizeDim(op, a.dim, x.ndim);
  if (x.ndim > 0 && x.shape[dim] === 0)
    throw new ValueError(`${op}: dim ${dim} of shape ${fmtShape(x.shape)} is empty`);
  const b = backendOf(op, x);
  const dims = x.ndim === 0 ? [] : [dim];
  const outShape = reducedShape(x.shape, dims);
  const keepdim = x.ndim > 0 && !!a.keepdim;
  const r = tidyIf(keepdim, () => {
    const values = fromStorage(b, b.reduce(op, x, dims), x.dtype, outShape);
    const indices =
      x.ndim === 0
        ? fromStorage(b, b.fill(1, 'int32', 0), 'int32', [])
        : argReduce(op === 'max' ? 'argmax' : 'argmin', x, dim, false);
    recordOp(`${op}Dim`, [x], [values, indices], { dim });
    return {
      values: keepDims(values, x.shape, dims, keepdim),
      indices: keepDims(indices, x.shape, dims, keepdim),
    };
  });
  return valuesIndices(r.values, r.indices);
}

/**
 * `max(x)`: the largest element; `max(x, 1)`, `max(x, 1, true)` or `max(x, { dim: 1 })`:
 * `{ values, indices }` along the dim (also `const [values, indices] = max(x, 1)`);
 * `max(a, b)` of two tensors: the element-wise maximum, as `torch.max(a, b)`.
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, options: SingleDimOptions & { dim: number }): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(
  x: Tensor,
  dim?: number | Tensor | SingleDimOptions,
  keepdim?: boolean,
): Tensor | ValuesIndices {
  return extremum('max', x, dim, keepdim);
}
/** `min(x)`, `min(x, dim, keepdim?)` / `min(x, { dim })` as `{ values, indices }`, or `min(a, b)` element-wise. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, options: SingleDimOptions & { dim: number }): ValuesIndices;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(
  x: Tensor,
  dim?: number | Tensor | SingleDimOptions,
  keepdim?: boolean,
): Tensor | ValuesIndices {
  return extremum('min', x, dim, keepdim);
}

const VAR_KEYS = ['dim', 'keepdim', 'unbiased', 'correction'] as const;

/** Reads var/std arguments: `(options)`, `(unbiased)`, or torch 1.13's `(dim, unbiased?, keepdim?)`. */
function varArgs(op: string, first: unknown, unbiased: unknown, keepdim: unknown): VarOptions {
  if (typeof first === 'boolean') {
    if (unbiased !== undefined || keepdim !== undefined)
      throw new ValueError(
        `${op}: ${op}(x, unbiased) takes no dim after it; use ${op}(x, dim, unbiased, keepdim)`,
      );
    return { unbiased: first };
  }
  const a = readArgs(op, first, [unbiased, keepdim], ['dim', 'unbiased', 'keepdim'], VAR_KEYS);
  const dims = reduceArgs(op, { dim: a.dim, keepdim: a.keepdim }, undefined);
  if (a.correction !== undefined && (typeof a.correction !== 'number' || !Number.isFinite(a.correction)))
    throw new ValueError(`${op}: correction must be a finite number, got ${describeValue(a.correction)}`);
  return {
    dim: dims.dim,
    keepdim: dims.keepdim,
    unbiased: checkFlag(op, 'unbiased', a.unbiased),
    correction: a.correction as number | undefined,
  };
}

function varianceOf(op: string, x: Tensor, o: VarOptions): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be a floating point tensor, got ${x.dtype}`);
  const dims = normalizeDims(op, o.dim, x.ndim);
  const n = dims.reduce((acc, d) => acc * x.shape[d], 1);
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return tidy(() => {
    const d = sub(x, mean(x, dims, true));
    return mul(sum(mul(d, d), dims, o.keepdim ?? false), 1 / Math.max(0, n - correction));
  });
}

/** Variance over dims (unbiased by default, like PyTorch): `var(x, 1)`, `var(x, 1, false, true)`, `var(x, { dim: 1, correction: 0 })`. */
export function variance(x: Tensor, options?: VarOptions): Tensor;
export function variance(x: Tensor, unbiased: boolean): Tensor;
export function variance(x: Tensor, dim: Dims, unbiased?: boolean, keepdim?: boolean): Tensor;
export function variance(
  x: Tensor,
  dim?: Dims | boolean | VarOptions,
  unbiased?: boolean,
  keepdim?: boolean,
): Tensor {
  assertTensor('var', 'input', x);
  return varianceOf('var', x, varArgs('var', dim, unbiased, keepdim));
}

/** Standard deviation, read like `var`. */
export function std(x: Tensor, options?: VarOptions): Tensor;
export function std(x: Tensor, unbiased: boolean): Tensor;
export function std(x: Tensor, dim: Dims, unbiased?: boolean, keepdim?: boolean): Tensor;
export function std(
  x: Tensor,
  dim?: Dims | boolean | VarOptions,
  unbiased?: boolean,
  keepdim?: boolean,
): Tensor {
  assertTensor('std', 'input', x);
  const o = varArgs('std', dim, unbiased, keepdim);
  return tidy(() => sqrt(varianceOf('std', x, o)));
}

/**
 * The max over dims (kept), detached, with infinite maxima replaced by 0: subtracting it keeps
 * exp from overflowing, and it cancels in the gradient.
 */
function shiftOf(input: Tensor, dims: number[]): Tensor {
  return withGradMode(false, () =>
    tidy(() => {
      const raw = amax(input, dims, true);
      return where(binary('eq', unary('abs', raw), Number.POSITIVE_INFINITY), 0, raw);
    }),
  );
}

/** log(sum(exp(x))) over dims, stable for large values: `logsumexp(x, 1)`, `logsumexp(x, { dim: 1, keepdim: true })`. */
export function logsumexp(x: Tensor, options: DimOptions & { dim: Dims }): Tensor;
export function logsumexp(x: Tensor, dim: Dims, keepdim?: boolean): Tensor;
export function logsumexp(x: Tensor, dim: Dims | DimOptions, keepdim?: boolean): Tensor {
  assertTensor('logsumexp', 'input', x);
  const a = reduceArgs('logsumexp', dim, keepdim);
  if (a.dim === undefined) throw new ValueError('logsumexp: dim is required, e.g. logsumexp(x, 1)');
  const dims = normalizeDims('logsumexp', a.dim, x.ndim);
  // A failure past this point (an empty dim) frees what was made: the scope keeps only the result.
  return tidy(() => {
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const m = shiftOf(input, dims);
    const out = add(log(sum(exp(sub(input, m)), dims, true)), m);
    return a.keepdim ? out : reshape(out, reducedShape(x.shape, dims));
  });
}

function softmaxImpl(x: Tensor, dim: unknown, logForm: boolean): Tensor {
  const op = logForm ? 'logSoftmax' : 'softmax';
  assertTensor(op, 'input', x);
  const d = normalizeDim(op, requiredDim(op, dim), x.ndim);
  return tidy(() => {
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const b = backendOf(op, input);
    // Nothing to normalise: an empty result, as PyTorch (the composite's max would refuse it).
    if (input.size === 0) return mul(input, 1);
    if (b.fused?.softmax && x.ndim > 0) {
      const y = fromStorage(b, b.fused.softmax(input, d, logForm), input.dtype, x.shape);
      recordOp('softmax', [input], [y], { dim: d, log: logForm });
      return y;
    }
    if (logForm) {
      // (x - m) - log(s): x - m is exact near the max, so large logits keep their digits
      // (x - (m + log(s)) would round m + log(s) at the scale of m first).
      const shifted = sub(input, shiftOf(input, [d]));
      return sub(shifted, log(sum(exp(shifted), d, true)));
    }
    const m = withGradMode(false, () => amax(input, d, true));
    const e = exp(sub(input, m));
    return div(e, sum(e, d, true));
  });
}

/**
 * The gradient of softmax (or log-softmax, `log`) along `dim` from its output y and the output's
 * gradient gy: the fused kernel when the backend has one and no graph is being recorded, else
 * y * (gy - sum(gy * y)) (log: gy - exp(y) * sum(gy)).
 */
export function softmaxBackward(y: Tensor, gy: Tensor, dim: number, log: boolean): Tensor {
  const kernel = y.backend.fused?.softmaxBackward;
  if (kernel && !recording(y, gy)) {
    return tidy(() => {
      const yc = contiguous(y);
      const gc = contiguous(gy);
      return fromStorage(y.backend, kernel(yc, gc, dim, log), y.dtype, y.shape);
    });
  }
  return tidy(() =>
    log ? sub(gy, mul(exp(y), sum(gy, dim, true))) : mul(y, sub(gy, sum(mul(gy, y), dim, true))),
  );
}

/** exp(x) / sum(exp(x)) along `dim`: `softmax(x, 1)` or `softmax(x, { dim: 1 })`. */
export function softmax(x: Tensor, dim: number | { dim: number }): Tensor {
  return softmaxImpl(x, dim, false);
}
/** log(softmax(x)) along `dim`, computed stably: `logSoftmax(x, 1)` or `logSoftmax(x, { dim: 1 })`. */
export function logSoftmax(x: Tensor, dim: number | { dim: number }): Tensor {
  return softmaxImpl(x, dim, true);
}

/** Reads norm arguments: `(options)` or PyTorch's `(p?, dim?, keepdim?)`, where p may be 'fro' (= 2). */
function normArgs(first: unknown, dim: unknown, keepdim: unknown): { p: number; dims: ReduceArgs } {
  const a = readArgs('norm', first, [dim, keepdim], ['p', 'dim', 'keepdim']);
  const p = a.p === undefined || a.p === 'fro' ? 2 : a.p;
  if (typeof p !== 'number' || !(p > 0))
    throw new ValueError(`norm: p must be a number > 0 (or 'fro'), got ${describeValue(a.p)}`);
  return { p, dims: reduceArgs('norm', { dim: a.dim, keepdim: a.keepdim }, undefined) };
}

/**
 * Vector p-norm over dims (all elements by default): `norm(x)`, `norm(x, 2, 1)`, `norm(x, { p: 1, dim: 0 })`.
 * Its gradient at a zero vector is 0, as in PyTorch.
 */
export function norm(x: Tensor, options?: NormOptions): Tensor;
export function norm(x: Tensor, p: number | 'fro', dim?: Dims, keepdim?: boolean): Tensor;
export function norm(x: Tensor, p?: number | 'fro' | NormOptions, dim?: Dims, keepdim?: boolean): Tensor {
  assertTensor('norm', 'input', x);
  const { p: order, dims } = normArgs(p, dim, keepdim);
  // Checked before the first intermediate exists, so a bad dim leaves nothing behind.
  normalizeDims('norm', dims.dim, x.ndim);
  const options = { dim: dims.dim, keepdim: dims.keepdim };
  return pNorm(x, order, options);
}

function pNorm(x: Tensor, p: number, options: DimOptions): Tensor {
  return tidy(() => {
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const a = unary('abs', input);
    if (p === Number.POSITIVE_INFINITY) return amax(a, options);
    if (p === 1) return sum(a, options);
    const s = sum(p === 2 ? mul(a, a) : unary('powScalar', a, [p]), options);
    // root(s) has an infinite slope at s = 0; route zeros around it so the gradient is 0, not NaN.
    const zero = binary('eq', s, 0);
    const safe = where(zero, 1, s);
    return where(zero, 0, p === 2 ? sqrt(safe) : unary('powScalar', safe, [1 / p]));
  });
}

export { sizeOf };
