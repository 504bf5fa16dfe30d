/**
 * How every op that takes a dim reads its arguments: PyTorch's positional form (`sum(x, 1)`,
 * `sum(x, [0, 2], true)`, `argmax(x, 1, true)`, `softmax(x, 1)`) or the options object
 * (`sum(x, { dim: 1, keepdim: true })`). An argument of the wrong kind is a ValueError, never
 * ignored, and an options object with an unknown key is an UnknownOptionError.
 */
import { ValueError } from '../errors.js';
import { checkOptions, isOptionsObject } from '../options.js';
import { describeValue } from './util.js';

/** One dim or several. */
export type Dims = number | readonly number[];

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** `v` when it is an integer dim, else a ValueError saying what was given. */
export function checkDimKind(op: string, name: string, v: unknown): number {
  if (!isInt(v)) throw new ValueError(`${op}: ${name} must be an integer, got ${describeValue(v)}`);
  return v;
}

/** `v` when it is an integer or a list of integers (or undefined), else a ValueError. */
export function checkDimsKind(op: string, name: string, v: unknown): Dims | undefined {
  if (v === undefined || isInt(v)) return v;
  if (Array.isArray(v) && v.every(isInt)) return v;
  throw new ValueError(`${op}: ${name} must be an integer or a list of integers, got ${describeValue(v)}`);
}

/** `v` when it is true, false or undefined, else a ValueError. */
export function checkFlag(op: string, name: string, v: unknown): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  throw new ValueError(`${op}: ${name} must be true or false, got ${describeValue(v)}`);
}

/**
 * Reads `(dimOrOptions, ...positional)`: either an options object with `keys` (and no positional
 * argument after it), or the positional values in `names` order. Returns the values by name.
 */
export function readArgs(
  op: string,
  first: unknown,
  rest: readonly unknown[],
  names: readonly string[],
  keys: readonly string[] = names,
): Record<string, unknown> {
  if (isOptionsObject(first)) {
    const given = rest.findIndex((v) => v !== undefined);
    if (given >= 0) {
      throw new ValueError(
        `${op}: pass ${names[given + 1]} either positionally or in the options object, not both`,
      );
    }
    return checkOptions(op, first, keys);
  }
  const out: Record<string, unknown> = {};
  [first, ...rest].forEach((v, i) => {
    if (v !== undefined) out[names[i]] = v;
  });
  return out;
}

/** The options of a reduction over one dim or several. */
export interface ReduceArgs {
  dim: Dims | undefined;
  keepdim: boolean;
}

/** `f(x, dim?, keepdim?)` or `f(x, { dim, keepdim })` for reductions over one or several dims. */
export function reduceArgs(op: string, first: unknown, keepdim: unknown): ReduceArgs {
  const a = readArgs(op, first, [keepdim], ['dim', 'keepdim']);
  return {
    dim: checkDimsKind(op, 'dim', a.dim),
    keepdim: checkFlag(op, 'keepdim', a.keepdim) ?? false,
  };
}

/** `f(x, dim?, keepdim?)` or `f(x, { dim, keepdim })` where dim is one integer. */
export function singleDimArgs(
  op: string,
  first: unknown,
  keepdim: unknown,
): { dim: number | undefined; keepdim: boolean } {
  const a = readArgs(op, first, [keepdim], ['dim', 'keepdim']);
  return {
    dim: a.dim === undefined ? undefined : checkDimKind(op, 'dim', a.dim),
    keepdim: checkFlag(op, 'keepdim', a.keepdim) ?? false,
  };
}

/** A required single dim given as `f(x, 1)` or `f(x, { dim: 1 })`. */
export function requiredDim(op: string, first: unknown): number {
  const a = readArgs(op, first, [], ['dim']);
  if (a.dim === undefined) throw new ValueError(`${op}: dim is required, e.g. ${op}(x, 1)`);
  return checkDimKind(op, 'dim', a.dim);
}

/** An optional single dim given as `f(x, 1)` or `f(x, { dim: 1 })`, with `fallback` when absent. */
export function optionalDim(op: string, first: unknown, fallback: number): number {
  const a = readArgs(op, first, [], ['dim']);
  return a.dim === undefined ? fallback : checkDimKind(op, 'dim', a.dim);
}
