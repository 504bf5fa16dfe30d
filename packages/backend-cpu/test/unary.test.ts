import type { UnaryOp } from '@nn/tensor';
import { tensor, use } from '@nn/tensor';
import { unary } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, layouts, randValues, viewValues } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

// erf values from mpmath at 30 digits.
const ERF_TABLE: [number, number][] = [
  [0, 0.0],
  [1e-8, 1.1283791670955126e-8],
  [-1e-5, -1.1283791670579e-5],
  [0.001, 0.0011283787909692365],
  [0.1, 0.1124629160182849],
  [-0.3, -0.3286267594591274],
  [0.5, 0.5204998778130465],
  [0.84375, 0.7672256612323416],
  [-1, -0.8427007929497149],
  [1.25, 0.9229001282564583],
  [1.9999, 0.9953201979070294],
  [2, 0.9953222650189527],
  [2.0001, 0.9953243313041966],
  [-2.5, -0.999593047982555],
  [3, 0.9999779095030014],
  [3.7, 0.9999998328489421],
  [-4.2, -0.9999999971445058],
  [5, 0.9999999999984626],
  [5.9, 0.9999999999999999],
  [6, 1.0],
  [6.5, 1.0],
  [-8, -1.0],
  [10, 1.0],
];

/** An erf independent of the kernel's: the Maclaurin series summed to convergence, a continued fraction beyond 3. */
function erfRef(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let k = 300; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

function sigmoidRef(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function roundRef(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const REF: Record<UnaryOp, { f: (x: number, p: number[]) => number; params?: number[]; positive?: boolean }> =
  {
    neg: { f: (x) => -x },
    abs: { f: (x) => Math.abs(x) },
    sign: { f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
    exp: { f: (x) => Math.exp(x) },
    log: { f: (x) => Math.log(x), positive: true },
    sqrt: { f: (x) => Math.sqrt(x), positive: true },
    rsqrt: { f: (x) => 1 / Math.sqrt(x), positive: true },
    reciprocal: { f: (x) => 1 / x },
    square: { f: (x) => x * x },
    sin: { f: (x) => Math.sin(x) },
    cos: { f: (x) => Math.cos(x) },
    tanh: { f: (x) => Math.tanh(x) },
    sigmoid: { f: sigmoidRef },
    erf: { f: erfRef },
    log1p: { f: (x) => Math.log1p(x), positive: true },
    expm1: { f: (x) => Math.expm1(x) },
    floor: { f: (x) => Math.floor(x) },
    ceil: { f: (x) => Math.ceil(x) },
    round: { f: roundRef },
    relu: { f: (x) => Math.max(0, x) },
    logicalNot: { f: (x) => (x === 0 ? 1 : 0) },
    leakyRelu: { f: (x, [s]) => (x > 0 ? x : s * x), params: [0.2] },
    elu: { f: (x, [a]) => (x > 0 ? x : a * (Math.exp(x) - 1)), params: [0.7] },
    selu: { f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1)) },
    gelu: { f: (x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)) },
    geluTanh: { f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) },
    softplus: { f: (x, [b, t]) => (b * x > t ? x : Math.log(1 + Math.exp(b * x)) / b), params: [2, 3] },
    silu: { f: (x) => x * sigmoidRef(x) },
    clamp: { f: (x, [lo, hi]) => Math.min(Math.max(x, lo), hi), params: [-0.5, 1.25] },
    powScalar: { f: (x, [e]) => x ** e, params: [1.7], positive: true },
  };

describe('erf', () => {
  it('matches mpmath to double precision', () => {
    const xs = ERF_TABLE.map(([x]) => x);
    const got = unary('erf', tensor(xs, { dtype: 'float64' })).dataSync();
    expectClose(
      got,
      ERF_TABLE.map(([, y]) => y),
      4e-15,
      1e-300,
    );
  });
  it('the test reference agrees with mpmath too', () => {
    expectClose(
      ERF_TABLE.map(([x]) => erfRef(x)),
      ERF_TABLE.map(([, y]) => y),
      1e-14,
      1e-300,
    );
  });
  it('is accurate on a dense grid and odd', () => {
    const xs = Array.from({ length: 2001 }, (_, i) => -7 + i * 0.007);
    const got = unary('erf', tensor(xs, { dtype: 'float64' })).dataSync();
    expectClose(got, xs.map(erfRef), 1e-13, 1e-300);
    const neg = unary(
      'erf',
      tensor(
        xs.map((x) => -x),
        { dtype: 'float64' },
      ),
    ).dataSync();
    expectClose(
      neg,
      Array.from(got, (v) => -v),
      0,
      0,
    );
  });
  it('keeps NaN and saturates at infinity', () => {
    expectClose(unary('erf', tensor([Number.NaN, Infinity, -Infinity], { dtype: 'float64' })).dataSync(), [
      Number.NaN,
      1,
      -1,
    ]);
  });
});

describe('unary ops against Math references', () => {
  for (const [op, ref] of Object.entries(REF) as [UnaryOp, (typeof REF)[UnaryOp]][]) {
    it(`${op} on every layout, float32 and float64`, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        for (const v of layouts(5, 7, op.length * 7, dtype)) {
          const x = ref.positive ? v.t.abs().add(0.01) : op === 'logicalNot' ? v.t.gt(0) : v.t;
          const xs = ref.positive
            ? v.values.map((a) =>
                dtype === 'float32' ? Math.fround(Math.abs(a) + 0.01) : Math.abs(a) + 0.01,
              )
            : op === 'logicalNot'
              ? v.values.map((a) => (a > 0 ? 1 : 0))
              : v.values;
          const y = unary(op, x, ref.params ?? []);
          expect(y.shape).toEqual([5, 7]);
          expect(y.dtype).toBe(op === 'logicalNot' ? 'bool' : dtype);
          const expected = xs.map((a) => ref.f(a, ref.params ?? []));
          expectClose(
            y.dataSync(),
            expected,
            dtype === 'float32' ? 2e-6 : 1e-13,
            dtype === 'float32' ? 1e-6 : 1e-14,
          );
        }
      }
    });
  }

  it('round goes half to even, like torch.round', () => {
    const xs = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, -2.6, 0.49999999999999994, 4503599627370497];
    expectClose(
      unary('round', tensor(xs, { dtype: 'float64' })).dataSync(),
      [-2, -2, -0, 0, 2, 2, 4, 2, -3, 0, 4503599627370497],
      0,
      0,
    );
  });

  it('sigmoid and silu stay finite for large |x|', () => {
    const xs = [-1000, -80, 80, 1000];
    expectClose(unary('sigmoid', tensor(xs)).dataSync(), [0, Math.fround(sigmoidRef(-80)), 1, 1], 1e-6, 0);
    expectClose(
      unary('silu', tensor(xs)).dataSync(),
      [-0, Math.fround(-80 * sigmoidRef(-80)), 80, 1000],
      1e-6,
      0,
    );
  });

  it('softplus is linear above the threshold and accurate below it', () => {
    const xs = [-30, -1, 0, 4.9, 5.1, 100];
    const got = unary('softplus', tensor(xs, { dtype: 'float64' }), [1, 5]).dataSync();
    expectClose(
      got,
      [Math.log1p(Math.exp(-30)), Math.log1p(Math.exp(-1)), Math.log(2), Math.log1p(Math.exp(4.9)), 5.1, 100],
      1e-15,
      0,
    );
  });

  it('clamp propagates NaN and gives max when min > max', () => {
    expectClose(unary('clamp', tensor([Number.NaN, -3, 0, 3]), [-1, 1]).dataSync(), [Number.NaN, -1, 0, 1]);
    expectClose(unary('clamp', tensor([-3, 0, 3]), [2, 1]).dataSync(), [1, 1, 1]);
    expectClose(unary('clamp', tensor([-3, 0, 3]), [-Infinity, 0.5]).dataSync(), [-3, 0, 0.5]);
  });

  it('relu, sign, max-style ops keep NaN; sign of NaN is 0', () => {
    expectClose(unary('relu', tensor([Number.NaN, -1, 2])).dataSync(), [Number.NaN, 0, 2]);
    expectClose(unary('sign', tensor([Number.NaN, -0.5, 0, 7])).dataSync(), [0, -1, 0, 1]);
  });

  it('powScalar follows C pow at the corners', () => {
    const got = unary('powScalar', tensor([1, -1, 2, 0, -8], { dtype: 'float64' }), [Number.NaN]).dataSync();
    expectClose(got, [1, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
    expectClose(unary('powScalar', tensor([-2, 3, 0]), [2]).dataSync(), [4, 9, 0]);
    expectClose(unary('powScalar', tensor([4, 0, 9]), [-0.5]).dataSync(), [0.5, Infinity, 1 / 3]);
  });

  it('int32 ops stay int32 and wrap like int32 storage', () => {
    const x = tensor([-3, 0, 7, 46341, -2147483648], { dtype: 'int32' });
    expect(Array.from(unary('neg', x).dataSync())).toEqual([3, 0, -7, -46341, -2147483648]);
    expect(Array.from(unary('abs', x).dataSync())).toEqual([3, 0, 7, 46341, -2147483648]);
    expect(Array.from(unary('square', x).dataSync())).toEqual([9, 0, 49, -2147479015, 0]);
    expect(Array.from(unary('sign', x).dataSync())).toEqual([-1, 0, 1, 1, -1]);
    expect(Array.from(unary('clamp', x, [-1, 10]).dataSync())).toEqual([-1, 0, 7, 10, -1]);
    expect(unary('relu', x).dtype).toBe('int32');
  });

  it('reads broadcast (stride 0) inputs', () => {
    const base = randValues(4, 3);
    const x = tensor(base, { shape: [4, 1] }).expand(4, 6);
    const expected = viewValues(Float32Array.from(base), x).map((a) => Math.exp(a));
    expectClose(unary('exp', x).dataSync(), expected, 2e-6);
  });

  it('handles empty and 0-d tensors', () => {
    const e = unary('exp', tensor([], { shape: [0, 3] }));
    expect(e.shape).toEqual([0, 3]);
    expect(e.dataSync().length).toBe(0);
    expectClose(unary('neg', tensor(2.5)).dataSync(), [-2.5]);
  });
});
