import type { BinaryOp, Tensor } from '@nn/tensor';
import { BINARY_OPS, COMPARISON_OPS, tensor, use, where } from '@nn/tensor';
import { binary } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, layouts, randValues, size, unravel, viewValues } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

const REF: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.abs(a) ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  logicalAnd: (a, b) => +(a !== 0 && b !== 0),
  logicalOr: (a, b) => +(a !== 0 || b !== 0),
};

/** Expected values of `op` over two views broadcast to `outShape`, by plain index arithmetic. */
function broadcastRef(
  op: BinaryOp,
  a: Tensor,
  av: number[],
  b: Tensor,
  bv: number[],
  outShape: number[],
): number[] {
  const pick = (t: Tensor, v: number[], idx: number[]): number => {
    const lead = idx.length - t.ndim;
    let e = 0;
    for (let d = 0; d < t.ndim; d++) e = e * t.shape[d] + (t.shape[d] === 1 ? 0 : idx[lead + d]);
    return v[e];
  };
  return Array.from({ length: size(outShape) }, (_, e) => {
    const idx = unravel(e, outShape);
    return REF[op](pick(a, av, idx), pick(b, bv, idx));
  });
}

describe('binary ops', () => {
  for (const op of BINARY_OPS) {
    it(`${op} over every pair of layouts`, () => {
      const A = layouts(4, 6, 11);
      const B = layouts(4, 6, 23);
      for (const a of A) {
        for (const b of B) {
          let ta = a.t;
          let tb = b.t;
          let av = a.values;
          let bv = b.values;
          if (op === 'pow') {
            ta = ta.abs();
            av = av.map(Math.abs);
          }
          if (op === 'logicalAnd' || op === 'logicalOr') {
            ta = ta.gt(0);
            tb = tb.gt(0);
            av = av.map((x) => +(x > 0));
            bv = bv.map((x) => +(x > 0));
          }
          if (op === 'eq' || op === 'ne') {
            // Make some elements equal so both answers occur.
            tb = where(ta.gt(1), ta, tb);
            bv = bv.map((x, i) => (av[i] > 1 ? av[i] : x));
          }
          const y = binary(op, ta, tb);
          expect(y.dtype).toBe(COMPARISON_OPS.has(op) ? 'bool' : 'float32');
          const expected = av.map((x, i) => REF[op](x, bv[i]));
          expectClose(
            y.dataSync(),
            COMPARISON_OPS.has(op) ? expected : Array.from(Float32Array.from(expected)),
            1e-6,
            1e-6,
          );
        }
      }
    });
  }

  it('broadcasts rows, columns, leading dims and 0-d operands', () => {
    const cases: [number[], number[]][] = [
      [
        [2, 3, 4],
        [3, 1],
      ],
      [
        [3, 1],
        [1, 4],
      ],
      [[2, 3], []],
      [
        [5, 1, 3],
        [1, 4, 1],
      ],
      [[1], [2, 1, 7]],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'lt', 'ge'] as BinaryOp[]) {
      for (const [sa, sb] of cases) {
        const av = Array.from(Float32Array.from(randValues(size(sa), 5)));
        const bv = Array.from(Float32Array.from(randValues(size(sb), 6)));
        const a = tensor(av, { shape: sa });
        const b = tensor(bv, { shape: sb });
        const y = binary(op, a, b);
        const expected = broadcastRef(op, a, av, b, bv, y.shape as number[]);
        expectClose(
          y.dataSync(),
          COMPARISON_OPS.has(op) ? expected : Array.from(Float32Array.from(expected)),
          1e-6,
          1e-6,
        );
        const z = binary(op, b, a);
        const expected2 = broadcastRef(op, b, bv, a, av, z.shape as number[]);
        expectClose(
          z.dataSync(),
          COMPARISON_OPS.has(op) ? expected2 : Array.from(Float32Array.from(expected2)),
          1e-6,
          1e-6,
        );
      }
    }
  });

  it('reads an expanded (stride 0) view of a transposed tensor', () => {
    const bv = randValues(12, 9);
    const base = tensor(bv, { shape: [4, 3] });
    const b = base.transpose(0, 1).unsqueeze(0).expand(2, 3, 4);
    const a = tensor(randValues(24, 10), { shape: [2, 3, 4] });
    const expected = viewValues(a.dataSync(), a).map((x, i) => x * viewValues(Float32Array.from(bv), b)[i]);
    expectClose(binary('mul', a, b).dataSync(), Array.from(Float32Array.from(expected)), 1e-6);
  });

  it('takes a number on either side', () => {
    const a = tensor([1, -2, 4]);
    expectClose(binary('sub', a, 1.5).dataSync(), [-0.5, -3.5, 2.5]);
    expectClose(binary('sub', 1.5, a).dataSync(), [0.5, 3.5, -2.5]);
    expectClose(binary('div', 2, a).dataSync(), [2, -1, 0.5]);
    expectClose(binary('pow', 2, a).dataSync(), [2, 0.25, 16]);
    expect(Array.from(binary('lt', a, 0).dataSync())).toEqual([0, 1, 0]);
    expect(Array.from(binary('ge', 0, a).dataSync())).toEqual([0, 1, 0]);
  });

  it('int32 arithmetic stays int32 and wraps', () => {
    const a = tensor([2147483647, -7, 65536, 3], { dtype: 'int32' });
    const b = tensor([1, 2, 65536, -5], { dtype: 'int32' });
    const sum = binary('add', a, b);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([-2147483648, -5, 131072, -2]);
    expect(Array.from(binary('mul', a, b).dataSync())).toEqual([2147483647, -14, 0, -15]);
    expect(Array.from(binary('sub', a, 3).dataSync())).toEqual([2147483644, -10, 65533, 0]);
    expect(Array.from(binary('maximum', a, b).dataSync())).toEqual([2147483647, 2, 65536, 3]);
  });

  it('maximum/minimum propagate NaN from either side; comparisons with NaN are false', () => {
    const a = tensor([Number.NaN, 1, 2]);
    const b = tensor([0, Number.NaN, 1]);
    expectClose(binary('maximum', a, b).dataSync(), [Number.NaN, Number.NaN, 2]);
    expectClose(binary('minimum', a, b).dataSync(), [Number.NaN, Number.NaN, 1]);
    expect(Array.from(binary('eq', a, a).dataSync())).toEqual([0, 1, 1]);
    expect(Array.from(binary('ne', a, a).dataSync())).toEqual([1, 0, 0]);
  });

  it('pow follows C pow where JavaScript differs', () => {
    const a = tensor([1, 1, -1, 2], { dtype: 'float64' });
    const b = tensor([Number.NaN, Infinity, -Infinity, 0.5], { dtype: 'float64' });
    expectClose(binary('pow', a, b).dataSync(), [1, 1, 1, Math.SQRT2], 1e-15);
  });

  it('bool operands: logical ops and bool-preserving mul/maximum', () => {
    const a = tensor([true, true, false, false]);
    const b = tensor([true, false, true, false]);
    expect(Array.from(binary('logicalAnd', a, b).dataSync())).toEqual([1, 0, 0, 0]);
    expect(Array.from(binary('logicalOr', a, b).dataSync())).toEqual([1, 1, 1, 0]);
    const m = binary('mul', a, b);
    expect(m.dtype).toBe('bool');
    expect(Array.from(m.dataSync())).toEqual([1, 0, 0, 0]);
  });

  it('empty operands give empty results', () => {
    const y = binary('add', tensor([], { shape: [0, 4] }), tensor([1, 2, 3, 4]));
    expect(y.shape).toEqual([0, 4]);
    expect(y.dataSync().length).toBe(0);
  });
});

describe('where', () => {
  it('picks with a broadcast condition and broadcast branches', () => {
    const cv = [1, 0, 1];
    const cond = tensor(cv.map(Boolean), { shape: [3, 1] });
    const av = randValues(24, 1);
    const a = tensor(av, { shape: [2, 3, 4] });
    const bv = Array.from(Float32Array.from(randValues(4, 2)));
    const b = tensor(bv, { shape: [4] });
    const y = where(cond, a, b);
    const expected = Array.from({ length: 24 }, (_, e) => {
      const [, j, k] = unravel(e, [2, 3, 4]);
      return cv[j] ? Math.fround(av[e]) : bv[k];
    });
    expectClose(y.dataSync(), expected, 0, 0);
  });
  it('reads transposed operands and keeps int32', () => {
    const c = tensor([true, false, false, true, true, false], { shape: [2, 3] }).transpose(0, 1);
    const a = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2], dtype: 'int32' });
    const b = tensor([10, 20, 30, 40, 50, 60], { shape: [2, 3], dtype: 'int32' }).transpose(0, 1);
    const y = where(c, a, b);
    expect(y.dtype).toBe('int32');
    // c^T = [[1,1],[0,1],[0,0]]; b^T = [[10,40],[20,50],[30,60]]
    expect(Array.from(y.dataSync())).toEqual([1, 2, 20, 4, 30, 60]);
  });
});
