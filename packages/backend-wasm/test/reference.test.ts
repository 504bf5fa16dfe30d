// The wasm backend's JavaScript paths (float64, int32, bool, and float32 ops without a WebAssembly
// kernel) are the cpu backend's reference kernels run over the heap: the two backends agree to
// the bit there, in every view layout.
import * as nn from '@nn/tensor';
import { BINARY_OPS, UNARY_OPS } from '@nn/tensor';
import { binary, unary } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, layouts, randValues, runOn } from './helpers.js';

beforeAll(async () => {
  await backends();
});

/** The same values, bit for bit (NaN equal to NaN), on cpu and on wasm. */
function sameBits(fn: () => nn.Tensor): void {
  const [want] = runOn('cpu', fn);
  const [got] = runOn('wasm', fn);
  expect(got.shape).toEqual(want.shape);
  expect(Float64Array.from(got.values)).toEqual(Float64Array.from(want.values));
}

const PARAMS: Partial<Record<nn.UnaryOp, number[]>> = {
  leakyRelu: [0.1],
  elu: [0.7],
  softplus: [1.5, 4],
  clamp: [-1, 0.5],
  powScalar: [2.5],
};

// Wide enough to reach erf's tails and exp's overflow; negative values give NaN where they should.
const values = randValues(64, 7, -8, 8);

describe('float64: the reference kernels on both backends', () => {
  for (const op of UNARY_OPS) {
    if (op === 'logicalNot') continue;
    for (const [name, make] of Object.entries(layouts(values, [4, 5]))) {
      it(`${op} ${name}`, () => sameBits(() => unary(op, make().to('float64'), PARAMS[op] ?? [])));
    }
  }
  for (const op of BINARY_OPS) {
    if (op === 'logicalAnd' || op === 'logicalOr') continue;
    it(`${op} broadcast against a transposed view`, () => {
      const [a] = Object.values(layouts(values, [4, 5]));
      const b = layouts(randValues(64, 8, -3, 3), [4, 5]).transposed;
      sameBits(() => binary(op, a().to('float64'), b().to('float64')));
    });
  }
});

describe('int32 and bool', () => {
  const ints = values.map((v) => Math.round(v * 1000));
  it.each(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'eq', 'lt', 'ge'] as const)('int32 %s', (op) => {
    sameBits(() =>
      binary(
        op,
        nn.tensor(ints.slice(0, 20), { dtype: 'int32', shape: [4, 5] }),
        nn.tensor(ints.slice(20, 25), { dtype: 'int32', shape: [5] }),
      ),
    );
  });
  it('int32 square wraps like PyTorch', () => {
    sameBits(() => nn.square(nn.tensor([70000, -3, 46341], { dtype: 'int32' })));
  });
  it('casts (float to int truncates, NaN and anything non-zero are true)', () => {
    const x = () => nn.tensor([1.7, -2.5, 0, Number.NaN, -0, 3e9]);
    sameBits(() => x().to('int32'));
    sameBits(() => x().to('bool').to('float32'));
  });
  it('logical ops and where on bool', () => {
    const a = () => nn.gt(nn.tensor(values.slice(0, 20), { shape: [4, 5] }), 0);
    const b = () => nn.lt(nn.tensor(values.slice(20, 25)), 1);
    sameBits(() => nn.logicalOr(a(), b()));
    sameBits(() => nn.where(a(), nn.tensor(ints.slice(0, 5), { dtype: 'int32' }), 7));
  });
});

describe('indexing', () => {
  it('scatterAdd rounds float32 sums once, however many values collide', () => {
    const src = randValues(1000, 3, -1, 1).map((v) => v * 1e4);
    const index = Array.from({ length: 1000 }, (_, i) => (i * 7) % 3);
    sameBits(() => nn.scatterAdd(nn.zeros([3]), 0, nn.tensor(index, { dtype: 'int32' }), nn.tensor(src)));
  });
  it('gather, indexSelect and cat over strided views, in float64 and int32', () => {
    const t = layouts(values, [4, 5]).transposed;
    const idx = () => nn.tensor([3, 0, 1, 1], { dtype: 'int32' });
    sameBits(() => nn.indexSelect(t().to('float64'), 0, idx()));
    sameBits(() => nn.indexSelect(t().to('int32'), 1, idx()));
    sameBits(() => nn.cat([t().to('float64'), t().to('float64').mul(2)], 1));
  });
});
