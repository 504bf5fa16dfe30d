import type { Tensor } from '@nn/tensor';
import { matmul, tensor, use } from '@nn/tensor';
import { batchedMatmul } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, randValues, rng, viewValues } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

/** Naive triple loop over row-major m×k and k×n values. */
function naive(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const c = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

/** An m×k operand, either contiguous or the transpose of a k×m tensor. */
function operand(
  rows: number,
  cols: number,
  transposed: boolean,
  seed: number,
  dtype: 'float32' | 'float64',
): { t: Tensor; v: number[] } {
  const d = randValues(rows * cols, seed, -1, 1);
  const t = transposed
    ? tensor(d, { shape: [cols, rows], dtype }).t()
    : tensor(d, { shape: [rows, cols], dtype });
  const stored = dtype === 'float32' ? Float32Array.from(d) : Float64Array.from(d);
  return { t, v: viewValues(stored, t) };
}

describe('matmul', () => {
  it('random sizes 1..70 with every transpose combination match a triple loop', () => {
    const r = rng(42);
    for (let trial = 0; trial < 40; trial++) {
      const m = 1 + Math.floor(r() * 70);
      const k = 1 + Math.floor(r() * 70);
      const n = 1 + Math.floor(r() * 70);
      const ta = r() < 0.5;
      const tb = r() < 0.5;
      const A = operand(m, k, ta, trial * 2, 'float32');
      const B = operand(k, n, tb, trial * 2 + 1, 'float32');
      const y = matmul(A.t, B.t);
      expect(y.shape).toEqual([m, n]);
      expectClose(y.dataSync(), naive(A.v, B.v, m, k, n), 1e-5, 1e-5);
    }
  });

  it('row and column vectors (m = 1 or n = 1) on strided operands', () => {
    for (const [m, k, n] of [
      [1, 37, 29],
      [23, 41, 1],
      [1, 1, 1],
      [1, 300, 1],
    ]) {
      for (const [ta, tb] of [
        [false, false],
        [true, true],
        [true, false],
      ]) {
        const A = operand(m, k, ta, m + k, 'float32');
        const B = operand(k, n, tb, n + k, 'float32');
        expectClose(matmul(A.t, B.t).dataSync(), naive(A.v, B.v, m, k, n), 1e-5, 1e-5);
      }
    }
  });

  it('float64 is exact to double rounding', () => {
    for (const [m, k, n] of [
      [7, 300, 5],
      [33, 17, 65],
      [1, 1, 1],
    ]) {
      const A = operand(m, k, false, m, 'float64');
      const B = operand(k, n, true, n, 'float64');
      const y = matmul(A.t, B.t);
      expect(y.dtype).toBe('float64');
      expectClose(y.dataSync(), naive(A.v, B.v, m, k, n), 1e-13, 1e-13);
    }
  });

  it('crosses the cache blocks (k > 256, m > 60, n > 1536) correctly', () => {
    for (const [m, k, n] of [
      [130, 520, 9],
      [3, 5, 1601],
    ]) {
      const A = operand(m, k, true, 1, 'float32');
      const B = operand(k, n, false, 2, 'float32');
      expectClose(matmul(A.t, B.t).dataSync(), naive(A.v, B.v, m, k, n), 1e-5, 1e-5);
    }
  });

  it('batched with a broadcast (stride 0) batch dim and strided matrices', () => {
    const [m, k, n] = [5, 6, 7];
    const av = randValues(3 * m * k, 1);
    const a = tensor(av, { shape: [3, k, m] }).transpose(1, 2); // [3, m, k], transposed matrices
    const bv = randValues(k * n, 2);
    const b = tensor(bv, { shape: [1, k, n] }).expand(3, k, n); // batch stride 0
    const y = batchedMatmul(a, b);
    expect(y.shape).toEqual([3, m, n]);
    const aVals = viewValues(Float32Array.from(av), a);
    const bVals = Array.from(Float32Array.from(bv));
    const expected: number[] = [];
    for (let t = 0; t < 3; t++)
      expected.push(...naive(aVals.slice(t * m * k, (t + 1) * m * k), bVals, m, k, n));
    expectClose(y.dataSync(), expected, 1e-5, 1e-5);
  });

  it('two batch dims, one sliced with a step', () => {
    const [m, k, n] = [3, 4, 2];
    const av = randValues(2 * 6 * m * k, 3);
    const a = tensor(av, { shape: [2, 6, m, k] }).index(':', '::2'); // [2, 3, m, k]
    const bv = randValues(2 * 3 * k * n, 4);
    const b = tensor(bv, { shape: [2, 3, k, n] });
    const y = batchedMatmul(a, b);
    const aVals = viewValues(Float32Array.from(av), a);
    const bVals = Array.from(Float32Array.from(bv));
    const expected: number[] = [];
    for (let t = 0; t < 6; t++) {
      expected.push(
        ...naive(aVals.slice(t * m * k, (t + 1) * m * k), bVals.slice(t * k * n, (t + 1) * k * n), m, k, n),
      );
    }
    expectClose(y.dataSync(), expected, 1e-5, 1e-5);
  });

  it('empty dimensions: m, n or batch of 0 give empty results, k of 0 gives zeros', () => {
    expect(matmul(tensor([], { shape: [0, 3] }), tensor(randValues(6, 1), { shape: [3, 2] })).shape).toEqual([
      0, 2,
    ]);
    expect(
      matmul(tensor(randValues(6, 1), { shape: [2, 3] }), tensor([], { shape: [3, 0] })).dataSync().length,
    ).toBe(0);
    const z = matmul(tensor([], { shape: [2, 0] }), tensor([], { shape: [0, 3] }));
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(batchedMatmul(tensor([], { shape: [0, 2, 2] }), tensor([], { shape: [0, 2, 2] })).shape).toEqual([
      0, 2, 2,
    ]);
  });

  it('propagates NaN and Infinity', () => {
    const y = matmul(
      tensor([
        [1, Number.NaN],
        [1, 1],
      ]),
      tensor([
        [1, 0],
        [0, 1],
      ]),
    );
    // NaN * 0 is NaN, so the NaN reaches every column of its row.
    expectClose(y.dataSync(), [Number.NaN, Number.NaN, 1, 1]);
    const z = matmul(tensor([[Infinity, 1]]), tensor([[1], [1]]));
    expectClose(z.dataSync(), [Infinity]);
  });
});
