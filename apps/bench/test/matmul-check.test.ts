import { describe, expect, it } from 'vitest';
import { checkMatmul, WrongResultError } from '../src/benches/matmul-check.js';
import { uniformArray } from '../src/rng.js';

function product(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const c = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

describe('checkMatmul', () => {
  const n = 33;
  const a = uniformArray(n * n, 1);
  const b = uniformArray(n * n, 2);
  const c = product(a, b, n);

  it('accepts a float32 product', () => {
    expect(() => checkMatmul(a, b, c, n, 'ok')).not.toThrow();
  });

  it('rejects a wrong entry in the last row (an edge tile)', () => {
    const bad = c.slice();
    bad[(n - 1) * n + 5] += 0.01;
    expect(() => checkMatmul(a, b, bad, n, 'edge')).toThrow(WrongResultError);
    expect(() => checkMatmul(a, b, bad, n, 'edge')).toThrow(/edge: c\[32,5\]/);
  });

  it('rejects A·Bᵀ in place of A·B', () => {
    const bt = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bt[j * n + i] = b[i * n + j];
    expect(() => checkMatmul(a, b, product(a, bt, n), n, 'transposed')).toThrow(WrongResultError);
  });

  it('rejects NaN and a result of the wrong size', () => {
    const nan = c.slice();
    nan[n * n - 1] = Number.NaN;
    expect(() => checkMatmul(a, b, nan, n, 'nan')).toThrow(WrongResultError);
    expect(() => checkMatmul(a, b, c.subarray(1), n, 'short')).toThrow(/has 1088 values, expected 1089/);
  });
});
