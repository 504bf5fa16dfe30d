// Element-wise kernels (unary, binary, where, cast, fill, random) against the cpu backend on strided, broadcast and special-value inputs.
import { BINARY_OPS, type DType, UNARY_OPS, type UnaryOp } from '@nn/tensor';
import { expect, it } from 'vitest';
import { describeGpu, gpu } from './gpu-setup.js';
import { compare, pair, ref, values } from './oracle.js';

const PARAMS: Partial<Record<UnaryOp, number[]>> = {
  leakyRelu: [0.1],
  elu: [0.7],
  softplus: [1.5, 4],
  clamp: [-1, 0.5],
  powScalar: [2.5],
};
const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  1e-7,
  -1e-7,
  30,
  -30,
  0.5,
  -0.5,
  2.5,
];

describeGpu('elementwise kernels against cpu', () => {
  it('reports its adapter and keeps float64 out of its dtypes', () => {
    expect(gpu.dtypes).toEqual(['float32', 'int32', 'bool']);
    expect(gpu.hostMemory).toBe(false);
    expect(gpu.adapterInfo.length).toBeGreaterThan(0);
  });

  it('round-trips every dtype (bool reads back as Uint8Array)', async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      const v = values(37, 5, dtype);
      const s = gpu.upload(v, dtype);
      const out = await gpu.read(s, dtype, 37);
      expect(out.constructor).toBe(v.constructor);
      expect(Array.from(out)).toEqual(Array.from(v));
      gpu.free(s);
    }
  });

  for (const op of UNARY_OPS) {
    it(`unary ${op} on a transposed float view with special values`, async () => {
      const data = values(60, 11, 'float32', -4, 4);
      data.set(SPECIAL);
      const x =
        op === 'logicalNot'
          ? pair(
              gpu,
              Uint8Array.from(data, (v) => (v > 0 ? 1 : 0)),
              'bool',
              [6, 10],
              [1, 6],
            )
          : pair(gpu, data, 'float32', [6, 10], [1, 6]);
      const p = PARAMS[op] ?? [];
      const tol =
        op === 'powScalar' || op === 'erf' || op === 'gelu'
          ? { rtol: 1e-5, atol: 2e-6 }
          : { rtol: 4e-6, atol: 1e-6 };
      await compare(
        gpu,
        gpu.unary(op, x.gpu, p),
        ref.unary(op, x.cpu, p),
        op === 'logicalNot' ? 'bool' : 'float32',
        60,
        { ...tol, what: op },
      );
    });
  }

  for (const op of ['neg', 'abs', 'sign', 'square', 'relu', 'clamp', 'floor'] as UnaryOp[]) {
    it(`unary ${op} on int32`, async () => {
      const x = pair(gpu, values(50, 3, 'int32', -20, 20), 'int32', [50]);
      const p = op === 'clamp' ? [-5, 7] : [];
      await compare(gpu, gpu.unary(op, x.gpu, p), ref.unary(op, x.cpu, p), 'int32', 50, { what: op });
    });
  }

  for (const op of BINARY_OPS) {
    const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'].includes(op);
    const types: DType[] = op.startsWith('logical')
      ? ['bool']
      : op === 'div' || op === 'pow'
        ? ['float32']
        : ['float32', 'int32'];
    for (const dtype of types) {
      it(`binary ${op} (${dtype}) broadcasting a strided [4,1,5] against [3,5], and with a scalar`, async () => {
        const a = pair(gpu, values(40, 1, dtype, -3, 3), dtype, [4, 1, 5], [10, 0, 2], 1);
        const bData = values(15, 2, dtype, -3, 3);
        if (dtype === 'float32') bData.set([Number.NaN, 0, Number.POSITIVE_INFINITY]);
        const b = pair(gpu, bData, dtype, [3, 5]);
        const out = cmp ? 'bool' : dtype;
        const tol = { rtol: 1e-5, atol: 1e-6, what: op };
        await compare(
          gpu,
          gpu.binary(op, a.gpu, b.gpu, [4, 3, 5]),
          ref.binary(op, a.cpu, b.cpu, [4, 3, 5]),
          out,
          60,
          tol,
        );
        const s = dtype === 'bool' ? 1 : 2;
        await compare(gpu, gpu.binary(op, s, b.gpu, [3, 5]), ref.binary(op, s, b.cpu, [3, 5]), out, 15, tol);
        await compare(gpu, gpu.binary(op, b.gpu, s, [3, 5]), ref.binary(op, b.cpu, s, [3, 5]), out, 15, tol);
      });
    }
  }

  it('vec4 element-wise path: contiguous operands, a broadcast bias row, a column and scalars', async () => {
    const x = pair(gpu, values(96, 21, 'float32', -3, 3), 'float32', [8, 12]);
    const bias = pair(gpu, values(12, 22), 'float32', [12]);
    const col = pair(gpu, values(8, 23), 'float32', [8, 1]);
    const shifted = pair(gpu, values(100, 24), 'float32', [8, 12], [12, 1], 4);
    for (const op of ['add', 'mul', 'maximum', 'gt', 'ne'] as const) {
      const out = op === 'gt' || op === 'ne' ? 'bool' : 'float32';
      await compare(
        gpu,
        gpu.binary(op, x.gpu, bias.gpu, [8, 12]),
        ref.binary(op, x.cpu, bias.cpu, [8, 12]),
        out,
        96,
        { what: `${op} bias` },
      );
      await compare(
        gpu,
        gpu.binary(op, x.gpu, col.gpu, [8, 12]),
        ref.binary(op, x.cpu, col.cpu, [8, 12]),
        out,
        96,
        { what: `${op} col` },
      );
      await compare(
        gpu,
        gpu.binary(op, 0.5, shifted.gpu, [8, 12]),
        ref.binary(op, 0.5, shifted.cpu, [8, 12]),
        out,
        96,
        { what: `${op} scalar` },
      );
    }
    for (const op of ['relu', 'exp', 'sigmoid'] as const) {
      await compare(gpu, gpu.unary(op, shifted.gpu, []), ref.unary(op, shifted.cpu, []), 'float32', 96, {
        what: op,
      });
    }
    const odd = pair(gpu, values(10, 25), 'float32', [10]);
    await compare(gpu, gpu.unary('neg', odd.gpu, []), ref.unary('neg', odd.cpu, []), 'float32', 10);
  });

  it('where broadcasts condition, a and b', async () => {
    const c = pair(gpu, values(6, 4, 'bool'), 'bool', [2, 1, 3]);
    const a = pair(gpu, values(4, 5), 'float32', [4, 1]);
    const b = pair(gpu, values(3, 6), 'float32', [3]);
    await compare(
      gpu,
      gpu.where(c.gpu, a.gpu, b.gpu, [2, 4, 3]),
      ref.where(c.cpu, a.cpu, b.cpu, [2, 4, 3]),
      'float32',
      24,
    );
  });

  it('cast between every pair of dtypes from a strided view', async () => {
    const data = values(24, 9, 'float32', -5, 5);
    data.set([Number.NaN, -0.5, 0.5, 2.7, -2.7]);
    const dtypes: DType[] = ['float32', 'int32', 'bool'];
    for (const from of dtypes) {
      const src =
        from === 'float32'
          ? data
          : from === 'int32'
            ? Int32Array.from(data, (v) => Math.trunc(v) || 0)
            : Uint8Array.from(data, (v) => (v ? 1 : 0));
      const x = pair(gpu, src, from, [3, 4], [1, 3]);
      for (const to of dtypes)
        await compare(gpu, gpu.cast(x.gpu, to), ref.cast(x.cpu, to), to, 12, { what: `${from}->${to}` });
    }
  });

  it('fill and random reproduce the cpu backend draw for draw', async () => {
    await compare(gpu, gpu.fill(10, 'int32', -7), ref.fill(10, 'int32', -7), 'int32', 10);
    await compare(gpu, gpu.fill(10, 'bool', 3), ref.fill(10, 'bool', 3), 'bool', 10);
    const base = { key: [123, 456] as [number, number], counter: 4294967290 };
    const u = { ...base, dist: 'uniform' as const, a: -2, b: 3 };
    await compare(gpu, gpu.random(1000, 'float32', u), ref.random(1000, 'float32', u), 'float32', 1000, {
      rtol: 1e-6,
    });
    const n = { ...base, dist: 'normal' as const, a: 1, b: 2 };
    await compare(gpu, gpu.random(1000, 'float32', n), ref.random(1000, 'float32', n), 'float32', 1000, {
      rtol: 2e-5,
      atol: 2e-5,
    });
    const k = { ...base, dist: 'uniform' as const, a: -1000, b: 100000 };
    await compare(gpu, gpu.random(1000, 'int32', k), ref.random(1000, 'int32', k), 'int32', 1000);
  });
});
