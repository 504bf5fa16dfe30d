import type { Backend } from '../backend.js';
import {
  type DType,
  dtypeOfTypedArray,
  isDType,
  makeTypedArray,
  type TypedArray,
  typedArrayFrom,
} from '../dtype.js';
import { getBackend, takeCounters } from '../engine.js';
import { DTypeError, fmtShape, ValueError } from '../errors.js';
import { flattenNested } from '../nest.js';
import { assertValidShape, sizeOf } from '../shape.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { assertDTypeSupported, fromStorage } from './util.js';

/**
 * Options of the creation functions: dtype (float32 by default), backend (the current one by default), `requiresGrad`.
 */
export interface CreateOptions {
  dtype?: DType;
  /** Backend name; the current backend by default. */
  backend?: string;
  requiresGrad?: boolean;
}

function resolve(
  op: string,
  options: CreateOptions | undefined,
  fallback: DType,
): { b: Backend; dtype: DType } {
  const dtype = options?.dtype ?? fallback;
  if (!isDType(dtype))
    throw new DTypeError(
      `${op}: unknown dtype '${String(dtype)}' (expected float32, float64, int32 or bool)`,
    );
  const b = getBackend(options?.backend);
  assertDTypeSupported(op, b, dtype);
  return { b, dtype };
}

function finish(t: Tensor, options: CreateOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from nested arrays, a typed array, or a number. Numbers become float32 (JavaScript
 * has one number type), booleans bool, typed arrays keep their type (Uint8Array reads as bool).
 *
 * @example
 * ```ts
 * use(cpu());
 * const t = tensor([[1, 2], [3, 4]]); // float32 [2, 2]
 * const i = tensor(new Int32Array([0, 2])); // int32
 * console.log(await t.add(1).format());
 * ```
 */
export function tensor(
  data: NestedArray | TypedArray | readonly number[],
  options?: CreateOptions & { shape?: readonly number[] },
): Tensor {
  let values: TypedArray | number[];
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    values = data as TypedArray;
    inferred = dtypeOfTypedArray(values);
    shape = [values.length];
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    values = [typeof data === 'boolean' ? (data ? 1 : 0) : data];
    inferred = typeof data === 'boolean' ? 'bool' : 'float32';
    shape = [];
  } else {
    const flat = flattenNested('tensor', data);
    values = flat.values;
    shape = flat.shape;
    inferred = flat.allBool ? 'bool' : 'float32';
  }
  if (options?.shape) {
    assertValidShape('tensor', options.shape);
    if (sizeOf(options.shape) !== values.length) {
      throw new ValueError(
        `tensor: shape ${fmtShape(options.shape)} needs ${sizeOf(options.shape)} values, got ${values.length}`,
      );
    }
    shape = [...options.shape];
  }
  const { b, dtype } = resolve('tensor', options, inferred);
  // upload copies, so a typed array already of the target dtype goes straight to it (a batch of
  // MNIST pixels is copied once, not twice); anything else is converted first (bools to 0/1).
  const exact = ArrayBuffer.isView(values) && dtype !== 'bool' && dtypeOfTypedArray(values) === dtype;
  const typed = exact ? (values as TypedArray) : typedArrayFrom(dtype, values);
  return finish(fromStorage(b, b.upload(typed, dtype), dtype, shape), options);
}

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape))
    throw new ValueError(`${op}: shape must be an array of sizes, got ${typeof shape}`);
  assertValidShape(op, shape);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options?: CreateOptions): Tensor {
  checkShape('full', shape);
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new ValueError(`full: value must be a number, got ${typeof value}`);
  const { b, dtype } = resolve('full', options, typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(fromStorage(b, b.fill(sizeOf(shape), dtype, Number(value)), dtype, shape), options);
}

/** A tensor of `shape` filled with 0. */
export function zeros(shape: readonly number[], options?: CreateOptions): Tensor {
  checkShape('zeros', shape);
  return full(shape, 0, options);
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: readonly number[], options?: CreateOptions): Tensor {
  checkShape('ones', shape);
  return full(shape, 1, options);
}

/** The n×m identity matrix. */
export function eye(n: number, m: number = n, options?: CreateOptions): Tensor {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(m) || m < 0) {
    throw new ValueError(`eye: sizes must be non-negative integers, got n=${n}, m=${m}`);
  }
  const { b, dtype } = resolve('eye', options, 'float32');
  const v = makeTypedArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
  return finish(fromStorage(b, b.upload(v, dtype), dtype, [n, m]), options);
}

/** Values start, start+step, ... below end (PyTorch's arange). */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (![start, end, step].every(Number.isFinite)) {
    throw new ValueError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  }
  if (step === 0) throw new ValueError('arange: step must be non-zero');
  if ((end - start) * step < 0) {
    throw new ValueError(
      `arange: the range from ${start} to ${end} is empty for step ${step} in the wrong direction`,
    );
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = [start, end, step].every(Number.isInteger);
  const { b, dtype } = resolve('arange', options, allInt ? 'int32' : 'float32');
  const v = makeTypedArray(dtype, n);
  for (let i = 0; i < n; i++) v[i] = start + i * step;
  return finish(fromStorage(b, b.upload(v, dtype), dtype, [n]), options);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const { b, dtype } = resolve('linspace', options, 'float32');
  const v = makeTypedArray(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch fills the second half from the end so both endpoints are exact; one step is `start`.
  const half = steps === 1 ? 1 : Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) v[i] = i < half ? start + delta * i : end - delta * (steps - 1 - i);
  return finish(fromStorage(b, b.upload(v, dtype), dtype, [steps]), options);
}

function random(
  op: string,
  shape: readonly number[],
  dist: 'uniform' | 'normal',
  a: number,
  bParam: number,
  options: CreateOptions | undefined,
  fallback: DType,
): Tensor {
  checkShape(op, shape);
  const { b, dtype } = resolve(op, options, fallback);
  const n = sizeOf(shape);
  const { key, counter } = takeCounters(n);
  return finish(
    fromStorage(b, b.random(n, dtype, { dist, key, counter, a, b: bParam }), dtype, shape),
    options,
  );
}

/** Uniform draws in [low, high) from the seeded generator. */
export function rand(
  shape: readonly number[],
  options?: CreateOptions & { low?: number; high?: number },
): Tensor {
  const low = options?.low ?? 0;
  const high = options?.high ?? 1;
  if (!(high >= low)) throw new ValueError(`rand: high (${high}) must be >= low (${low})`);
  if (options?.dtype && options.dtype !== 'float32' && options.dtype !== 'float64') {
    throw new DTypeError(`rand: dtype must be float32 or float64, got ${options.dtype}`);
  }
  return random('rand', shape, 'uniform', low, high, options, 'float32');
}

/** Normal draws (mean 0, std 1 unless given) from the seeded generator. */
export function randn(
  shape: readonly number[],
  options?: CreateOptions & { mean?: number; std?: number },
): Tensor {
  const std = options?.std ?? 1;
  if (!(std >= 0)) throw new ValueError(`randn: std must be >= 0, got ${std}`);
  if (options?.dtype && options.dtype !== 'float32' && options.dtype !== 'float64') {
    throw new DTypeError(`randn: dtype must be float32 or float64, got ${options.dtype}`);
  }
  return random('randn', shape, 'normal', options?.mean ?? 0, std, options, 'float32');
}

/** Integers drawn uniformly from [low, high). */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options?: CreateOptions,
): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  return random('randint', shape, 'uniform', low, high, options, 'int32');
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`randperm: n must be a non-negative integer, got ${n}`);
  const { b, dtype } = resolve('randperm', options, 'int32');
  const perm = randpermArray(n);
  return finish(fromStorage(b, b.upload(typedArrayFrom(dtype, perm), dtype), dtype, [n]), options);
}

/** A permutation of 0..n-1 from the seeded generator, on the host (Fisher-Yates). */
export function randpermArray(n: number): Int32Array {
  const { key, counter } = takeCounters(n);
  const u = new Float64Array(n);
  // Reuse the reference generator so the permutation is the same on every backend.
  fillRandomInto(u, key, counter);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}

import { fillRandom } from '../random.js';

function fillRandomInto(out: Float64Array, key: [number, number], counter: number): void {
  fillRandom(out, { dist: 'uniform', key, counter, a: 0, b: 1 }, false);
}

type LikeOptions = CreateOptions;
function like(x: Tensor, options?: LikeOptions): CreateOptions {
  return {
    dtype: options?.dtype ?? x.dtype,
    backend: options?.backend ?? x.backendName,
    requiresGrad: options?.requiresGrad,
  };
}
/** Zeros with `x`'s shape, dtype and backend (unless options say otherwise). */
export const zerosLike = (x: Tensor, options?: LikeOptions): Tensor => zeros(x.shape, like(x, options));
/** Ones with `x`'s shape, dtype and backend (unless options say otherwise). */
export const onesLike = (x: Tensor, options?: LikeOptions): Tensor => ones(x.shape, like(x, options));
/** `value` everywhere, with `x`'s shape, dtype and backend (unless options say otherwise). */
export const fullLike = (x: Tensor, value: number, options?: LikeOptions): Tensor =>
  full(x.shape, value, like(x, options));
/** Uniform draws in [0, 1) with `x`'s shape (seeded generator). */
export const randLike = (x: Tensor, options?: LikeOptions): Tensor => rand(x.shape, like(x, options));
/** Standard normal draws with `x`'s shape (seeded generator). */
export const randnLike = (x: Tensor, options?: LikeOptions): Tensor => randn(x.shape, like(x, options));

/** A 0-d tensor holding one number. */
export function scalar(value: number | boolean, options?: CreateOptions): Tensor {
  return tensor(value as NestedArray, options);
}
