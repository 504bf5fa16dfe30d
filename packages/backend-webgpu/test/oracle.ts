import { cpu } from '@nn/backend-cpu';
import type { Backend, DType, Storage, TensorView, TypedArray } from '@nn/tensor';
import { makeTypedArray } from '@nn/tensor';
import { expect } from 'vitest';

export const ref: Backend = cpu();

/** Deterministic pseudo-random values (no dependence on the generator under test). */
export function values(n: number, seed: number, dtype: DType = 'float32', lo = -3, hi = 3): TypedArray {
  const out = makeTypedArray(dtype, n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    const v = lo + (hi - lo) * u;
    out[i] = dtype === 'float32' ? v : dtype === 'bool' ? (u < 0.5 ? 1 : 0) : Math.floor(v);
  }
  return out;
}

export interface Pair {
  readonly gpu: TensorView;
  readonly cpu: TensorView;
}

/** The same strided view over the same data on both backends. */
export function pair(
  gpu: Backend,
  data: TypedArray,
  dtype: DType,
  shape: readonly number[],
  strides?: readonly number[],
  offset = 0,
): Pair {
  const st = strides ?? contiguous(shape);
  const mk = (b: Backend): TensorView => ({
    storage: b.upload(data, dtype),
    dtype,
    shape,
    strides: st,
    offset,
  });
  return { gpu: mk(gpu), cpu: mk(ref) };
}

export function contiguous(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Element-wise closeness with NaN equal to NaN and infinities compared exactly. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
  what = '',
): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(a, `${what} [${i}] should be NaN`).toBeNaN();
    } else if (!Number.isFinite(e)) {
      expect(a, `${what} [${i}]`).toBe(e);
    } else if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      // "Not within", so that a NaN result (every comparison false) fails too.
      expect(a, `${what} [${i}] (expected ${e} within rtol ${rtol}, atol ${atol})`).toBe(e);
    }
  }
}

/** Reads a result storage from each backend and compares them. */
export async function compare(
  gpu: Backend,
  g: Storage,
  c: Storage,
  dtype: DType,
  size: number,
  tol: { rtol?: number; atol?: number; what?: string } = {},
): Promise<void> {
  const [a, e] = await Promise.all([gpu.read(g, dtype, size), ref.read(c, dtype, size)]);
  if (dtype === 'bool') expect(a).toBeInstanceOf(Uint8Array);
  if (dtype === 'int32' || dtype === 'bool') expect(Array.from(a), tol.what).toEqual(Array.from(e));
  else expectClose(a, e, tol.rtol, tol.atol, tol.what);
  gpu.free(g);
  ref.free(c);
}
