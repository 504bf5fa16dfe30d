import type { ReduceOp } from '../backend.js';
import { isFloat } from '../dtype.js';
import { recordOp, withGradMode } from '../engine.js';
import { DTypeError, fmtShape, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeDim, normalizeDims, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, binary, cast, div, exp, log, mul, sqrt, sub, unary, where } from './elementwise.js';
import { contiguous, reshape } from './shape.js';
import { assertTensor, backendOf, fromStorage, recording } from './util.js';

/**
 * Which dims a reduction runs over (all when omitted; negative dims count from the end), and whether they stay as size 1.
 */
export interface DimOptions {
  /** One dim or several; all dims when left out. */
  dim?: number | readonly number[];
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
  /** The order: 1, 2 (default), Infinity, or any p > 0. */
  p?: number;
}

/** What `max` / `min` along a dim return: the extreme values and their int32 indices. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** `y`, reduced over `dims` of `shape`, with those dims back as size 1 when `keepdim` (the reduced tensor is freed). */
function keepDims(y: Tensor, shape: readonly number[], dims: readonly number[], keepdim?: boolean): Tensor {
  if (!keepdim) return y;
  const k = reshape(y, keptShape(shape, dims));
  y.dispose();
  return k;
}

function reducedShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

/** The reduce kernel, recorded under `name` (sum, amax, amin, prod). */
function reduceOp(
  op: ReduceOp,
  name: 'sum' | 'prod' | 'amax' | 'amin',
  x: Tensor,
  options: DimOptions | undefined,
): Tensor {
  assertTensor(name, 'input', x);
  const dims = normalizeDims(name, options?.dim, x.ndim);
  const b = backendOf(name, x);
  if ((op === 'max' || op === 'min') && dims.some((d) => x.shape[d] === 0)) {
    throw new ValueError(`${name}: cannot reduce over an empty dimension of shape ${fmtShape(x.shape)}`);
  }
  let input = x;
  if (op === 'sum' || op === 'prod') {
    if (x.dtype === 'bool') input = cast(x, 'int32');
  }
  const outShape = reducedShape(x.shape, dims);
  const y = fromStorage(b, b.reduce(op, input, dims), input.dtype, outShape);
  recordOp(name, [input], [y], { dims });
  if (input !== x) input.dispose();
  return keepDims(y, x.shape, dims, options?.keepdim);
}

/** Sum over dims (all by default), accumulated in double precision; bool and int32 sum to int32. */
export function sum(x: Tensor, options?: DimOptions): Tensor {
  return reduceOp('sum', 'sum', x, options);
}

/** Product over dims (all by default), accumulated in double precision. */
export function prod(x: Tensor, options?: DimOptions): Tensor {
  return reduceOp('prod', 'prod', x, options);
}

/** Mean over dims (all by default); the input must be floating point. */
export function mean(x: Tensor, options?: DimOptions): Tensor {
  assertTensor('mean', 'input', x);
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `mean: input must be a floating point tensor, got ${x.dtype}; cast it with .to('float32')`,
    );
  }
  const dims = normalizeDims('mean', options?.dim, x.ndim);
  const n = dims.reduce((acc, d) => acc * x.shape[d], 1);
  return tidy(() => mul(sum(x, options), 1 / n));
}

/** Largest values over dims; gradient split evenly between ties (PyTorch's amax). */
export function amax(x: Tensor, options?: DimOptions): Tensor {
  return reduceOp('max', 'amax', x, options);
}

/** The smallest values over dims (all by default); ties pass the gradient in equal parts. */
export function amin(x: Tensor, options?: DimOptions): Tensor {
  return reduceOp('min', 'amin', x, options);
}

function argReduce(
  op: 'argmax' | 'argmin',
  x: Tensor,
  options?: { dim?: number; keepdim?: boolean },
): Tensor {
  assertTensor(op, 'input', x);
  const b = backendOf(op, x);
  if (x.size === 0)
    throw new ValueError(`${op}: cannot take ${op} of an empty tensor of shape ${fmtShape(x.shape)}`);
  if (options?.dim === undefined) {
    const flat = reshape(x, [x.size]);
    const y = fromStorage(b, b.argReduce(op, flat, 0), 'int32', []);
    if (flat !== x) flat.dispose();
    return keepDims(
      y,
      x.shape,
      x.shape.map((_, i) => i),
      options?.keepdim,
    );
  }
  const dim = normalizeDim(op, options.dim, x.ndim);
  if (x.ndim === 0) return fromStorage(b, b.fill(1, 'int32', 0), 'int32', []);
  const y = fromStorage(b, b.argReduce(op, x, dim), 'int32', reducedShape(x.shape, [dim]));
  return keepDims(y, x.shape, [dim], options.keepdim);
}

/** Index (int32) of the first largest value, over all elements or along `dim`. */
export const argmax = (x: Tensor, options?: { dim?: number; keepdim?: boolean }): Tensor =>
  argReduce('argmax', x, options);
/** int32 index of the smallest element (first one on ties), over all elements or along `dim`. */
export const argmin = (x: Tensor, options?: { dim?: number; keepdim?: boolean }): Tensor =>
  argReduce('argmin', x, options);

function extremum(
  op: 'max' | 'min',
  x: Tensor,
  options?: { dim: number; keepdim?: boolean },
): Tensor | ValuesIndices {
  if (options === undefined) {
    assertTensor(op, 'input', x);
    if (x.size === 0)
      throw new ValueError(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
    return op === 'max' ? amax(x) : amin(x);
  }
  assertTensor(op, 'input', x);
  if (typeof options.dim !== 'number')
    throw new ValueError(`${op}: options.dim must be a number, got ${typeof options.dim}`);
  const dim = normalizeDim(op, options.dim, x.ndim);
  if (x.ndim > 0 && x.shape[dim] === 0)
    throw new ValueError(`${op}: dim ${dim} of shape ${fmtShape(x.shape)} is empty`);
  const b = backendOf(op, x);
  const dims = x.ndim === 0 ? [] : [dim];
  const outShape = reducedShape(x.shape, dims);
  const values = fromStorage(b, b.reduce(op, x, dims), x.dtype, outShape);
  const indices =
    x.ndim === 0
      ? fromStorage(b, b.fill(1, 'int32', 0), 'int32', [])
      : argReduce(op === 'max' ? 'argmax' : 'argmin', x, { dim });
  recordOp(`${op}Dim`, [x], [values, indices], { dim });
  if (x.ndim === 0) return { values, indices };
  return {
    values: keepDims(values, x.shape, dims, options.keepdim),
    indices: keepDims(indices, x.shape, dims, options.keepdim),
  };
}

/** `max(x)`: the largest element; `max(x, { dim })`: `{ values, indices }` along dim. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, options: { dim: number; keepdim?: boolean }): ValuesIndices;
export function max(x: Tensor, options?: { dim: number; keepdim?: boolean }): Tensor | ValuesIndices {
  return extremum('max', x, options);
}
/** `min(x)`: the smallest element; `min(x, { dim })`: `{ values, indices }` along dim. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, options: { dim: number; keepdim?: boolean }): ValuesIndices;
export function min(x: Tensor, options?: { dim: number; keepdim?: boolean }): Tensor | ValuesIndices {
  return extremum('min', x, options);
}

/** Variance over dims (unbiased by default, like PyTorch). */
export function variance(x: Tensor, options?: VarOptions): Tensor {
  assertTensor('var', 'input', x);
  if (!isFloat(x.dtype)) throw new DTypeError(`var: input must be a floating point tensor, got ${x.dtype}`);
  const dims = normalizeDims('var', options?.dim, x.ndim);
  const n = dims.reduce((acc, d) => acc * x.shape[d], 1);
  const correction = options?.correction ?? (options?.unbiased === false ? 0 : 1);
  return tidy(() => {
    const d = sub(x, mean(x, { dim: dims, keepdim: true }));
    return mul(sum(mul(d, d), { dim: dims, keepdim: options?.keepdim }), 1 / Math.max(0, n - correction));
  });
}

/** Standard deviation over dims: the square root of `variance` (unbiased by default, like PyTorch). */
export function std(x: Tensor, options?: VarOptions): Tensor {
  return tidy(() => sqrt(variance(x, options)));
}

/**
 * The max over dims (kept), detached, with infinite maxima replaced by 0: subtracting it keeps
 * exp from overflowing, and it cancels in the gradient.
 */
function shiftOf(input: Tensor, dims: number[]): Tensor {
  return withGradMode(false, () =>
    tidy(() => {
      const raw = amax(input, { dim: dims, keepdim: true });
      return where(binary('eq', unary('abs', raw), Number.POSITIVE_INFINITY), 0, raw);
    }),
  );
}

/** log(sum(exp(x))) over dims, stable for large values. */
export function logsumexp(x: Tensor, options: DimOptions): Tensor {
  assertTensor('logsumexp', 'input', x);
  if (options?.dim === undefined) throw new ValueError('logsumexp: options.dim is required');
  const dims = normalizeDims('logsumexp', options.dim, x.ndim);
  return tidy(() => {
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const m = shiftOf(input, dims);
    const out = add(log(sum(exp(sub(input, m)), { dim: dims, keepdim: true })), m);
    return options.keepdim ? out : reshape(out, reducedShape(x.shape, dims));
  });
}

function softmaxImpl(x: Tensor, dim: number, logForm: boolean): Tensor {
  const op = logForm ? 'logSoftmax' : 'softmax';
  assertTensor(op, 'input', x);
  if (typeof dim !== 'number') throw new ValueError(`${op}: dim must be a number, got ${typeof dim}`);
  const d = normalizeDim(op, dim, x.ndim);
  return tidy(() => {
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const b = backendOf(op, input);
    if (b.fused?.softmax && x.ndim > 0) {
      const y = fromStorage(b, b.fused.softmax(input, d, logForm), input.dtype, x.shape);
      recordOp('softmax', [input], [y], { dim: d, log: logForm });
      return y;
    }
    if (logForm) {
      // (x - m) - log(s): x - m is exact near the max, so large logits keep their digits
      // (x - (m + log(s)) would round m + log(s) at the scale of m first).
      const shifted = sub(input, shiftOf(input, [d]));
      return sub(shifted, log(sum(exp(shifted), { dim: d, keepdim: true })));
    }
    const m = withGradMode(false, () => amax(input, { dim: d, keepdim: true }));
    const e = exp(sub(input, m));
    return div(e, sum(e, { dim: d, keepdim: true }));
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
    log
      ? sub(gy, mul(exp(y), sum(gy, { dim, keepdim: true })))
      : mul(y, sub(gy, sum(mul(gy, y), { dim, keepdim: true }))),
  );
}

/** exp(x) / Σ exp(x) along `dim`, computed stably (the maximum is subtracted first). */
export const softmax = (x: Tensor, dim: number): Tensor => softmaxImpl(x, dim, false);
/** log(softmax(x)) along `dim`, computed stably as (x - max) - log(Σ exp(x - max)). */
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxImpl(x, dim, true);

/** Vector p-norm over dims (all elements by default); its gradient at a zero vector is 0, as in PyTorch. */
export function norm(x: Tensor, options?: NormOptions): Tensor {
  assertTensor('norm', 'input', x);
  const p = options?.p ?? 2;
  if (!(p > 0)) throw new ValueError(`norm: p must be > 0, got ${p}`);
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
