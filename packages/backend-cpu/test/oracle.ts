// Plain-loop references for the kernel tests: values of a view read straight from its base data
// through shape/strides/offset, seeded test data, and a NaN-aware closeness check.
import type { Tensor } from '@nn/tensor';
import { tensor } from '@nn/tensor';
import { expect } from 'vitest';

/** mulberry32: a tiny seeded generator so each test's data is fixed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randValues(n: number, seed: number, lo = -3, hi = 3): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major values of the view `t` over base storage values `base`. */
export function viewValues(base: ArrayLike<number>, t: Tensor): number[] {
  const out: number[] = [];
  const n = size(t.shape);
  const idx = new Array<number>(t.ndim).fill(0);
  for (let e = 0; e < n; e++) {
    let off = t.offset;
    for (let d = 0; d < t.ndim; d++) off += idx[d] * t.strides[d];
    out.push(base[off]);
    for (let d = t.ndim - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Multi-index of flat position `e` in a row-major `shape`. */
export function unravel(e: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = e % shape[d];
    e = Math.floor(e / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let e = 0;
  for (let d = 0; d < shape.length; d++) e = e * shape[d] + idx[d];
  return e;
}

/** Element-wise closeness; NaN must meet NaN and infinities must match exactly. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-6,
  atol = 1e-7,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e)))
        expect.fail(`element ${i}: got ${a}, expected ${e}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) expect.fail(`element ${i}: got ${a}, expected ${e}`);
  }
}

export interface Variant {
  name: string;
  t: Tensor;
  /** Row-major values of `t`. */
  values: number[];
}

/**
 * The same logical [r, c] matrix as a contiguous tensor, a transposed view, a stepped slice and
 * an offset narrow view, each with its expected row-major values.
 */
export function layouts(
  r: number,
  c: number,
  seed: number,
  dtype: 'float32' | 'float64' | 'int32' = 'float32',
): Variant[] {
  const cast = (v: number[]): number[] => (dtype === 'int32' ? v.map((x) => Math.round(x * 10)) : v);
  const store = (v: number[]): number[] =>
    Array.from(dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v));
  const out: Variant[] = [];
  const d0 = store(cast(randValues(r * c, seed)));
  const t0 = tensor(d0, { shape: [r, c], dtype });
  out.push({ name: 'contiguous', t: t0, values: viewValues(d0, t0) });
  const d1 = store(cast(randValues(r * c, seed + 1)));
  const t1 = tensor(d1, { shape: [c, r], dtype }).transpose(0, 1);
  out.push({ name: 'transposed', t: t1, values: viewValues(d1, t1) });
  const d2 = store(cast(randValues(r * 2 * (c * 3), seed + 2)));
  const t2 = tensor(d2, { shape: [r * 2, c * 3], dtype }).index('::2', '1::3');
  out.push({ name: 'stepped', t: t2, values: viewValues(d2, t2) });
  const d3 = store(cast(randValues((r + 2) * c, seed + 3)));
  const t3 = tensor(d3, { shape: [r + 2, c], dtype }).narrow(0, 2, r);
  out.push({ name: 'offset', t: t3, values: viewValues(d3, t3) });
  return out;
}
