// Each kernel against the cpu backend on the same (often strided, broadcast) views.
import { BINARY_OPS, type DType, UNARY_OPS, type UnaryOp } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { type WebGPUBackend, webgpu } from '../src/index.js';
import { backendOrReason } from './adapter.js';
import { compare, contiguous, expectClose, pair, ref, values } from './oracle.js';

const found = await backendOrReason();
const gpu = found as WebGPUBackend;
const simdGpu = gpu;
// The workgroup-memory matmul that GPUs get, checked here on the software adapter too.
const tiledGpu = typeof found === 'string' ? Promise.resolve(gpu) : webgpu({ matmul: 'tiled' });

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

describe.skipIf(typeof found === 'string')(
  `webgpu kernels against cpu${typeof found === 'string' ? ` (skipped: ${found})` : ''}`,
  () => {
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
          await compare(
            gpu,
            gpu.binary(op, s, b.gpu, [3, 5]),
            ref.binary(op, s, b.cpu, [3, 5]),
            out,
            15,
            tol,
          );
          await compare(
            gpu,
            gpu.binary(op, b.gpu, s, [3, 5]),
            ref.binary(op, b.cpu, s, [3, 5]),
            out,
            15,
            tol,
          );
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

    for (const [shape, axes] of [
      [[7, 300], [1]],
      [[300, 7], [0]],
      [
        [5, 6, 7],
        [0, 2],
      ],
      [
        [4, 5000],
        [0, 1],
      ],
      [[2, 3], []],
      [[3, 0], [1]],
    ] as [number[], number[]][]) {
      it(`reduce sum/prod/max/min over ${JSON.stringify(axes)} of a transposed ${JSON.stringify(shape)}`, async () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const r = shape.length;
        // The view is the transpose of a contiguous tensor of the reversed shape.
        const strides = contiguous([...shape].reverse()).reverse();
        const outSize = shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1);
        for (const dtype of ['float32', 'int32'] as DType[]) {
          const x = pair(
            gpu,
            values(n, 7, dtype, dtype === 'float32' ? 0.5 : -3, dtype === 'float32' ? 1.5 : 4),
            dtype,
            shape,
            r ? strides : [],
          );
          for (const op of ['sum', 'prod', 'max', 'min'] as const) {
            if (n === 0 && (op === 'max' || op === 'min')) continue;
            const tol = { rtol: op === 'prod' ? 1e-4 : 2e-5, atol: 1e-5, what: `${op} ${dtype}` };
            await compare(gpu, gpu.reduce(op, x.gpu, axes), ref.reduce(op, x.cpu, axes), dtype, outSize, tol);
          }
        }
      });
    }

    it('reduce over leading dims of contiguous tensors (the vec4 column path): sum and prod, float and int', async () => {
      for (const [shape, axes] of [
        [[64, 12], [0]],
        [[3, 8, 16], [0]],
        [
          [5, 2, 8],
          [0, 1],
        ],
      ] as [number[], number[]][]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const outSize = shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1);
        for (const dtype of ['float32', 'int32'] as DType[]) {
          const x = pair(
            gpu,
            values(n, 13, dtype, dtype === 'float32' ? 0.9 : -2, dtype === 'float32' ? 1.1 : 3),
            dtype,
            shape,
          );
          for (const op of ['sum', 'prod'] as const) {
            const what = `${op} ${dtype} ${JSON.stringify(shape)}`;
            await compare(gpu, gpu.reduce(op, x.gpu, axes), ref.reduce(op, x.cpu, axes), dtype, outSize, {
              rtol: 1e-5,
              atol: 1e-5,
              what,
            });
          }
        }
      }
    });

    it('reduce max and argmax propagate NaN and pick the first of ties', async () => {
      const data = Float32Array.from([1, 5, 5, 2, Number.NaN, 3, 0, 0, 0, 7, 7, -1]);
      const x = pair(gpu, data, 'float32', [3, 4]);
      await compare(gpu, gpu.reduce('max', x.gpu, [1]), ref.reduce('max', x.cpu, [1]), 'float32', 3);
      for (const op of ['argmax', 'argmin'] as const) {
        await compare(gpu, gpu.argReduce(op, x.gpu, 1), ref.argReduce(op, x.cpu, 1), 'int32', 3, {
          what: op,
        });
        await compare(gpu, gpu.argReduce(op, x.gpu, 0), ref.argReduce(op, x.cpu, 0), 'int32', 4, {
          what: op,
        });
      }
      const long = pair(gpu, values(5000, 3), 'float32', [5000]);
      await compare(
        gpu,
        gpu.argReduce('argmax', long.gpu, 0),
        ref.argReduce('argmax', long.cpu, 0),
        'int32',
        1,
      );
    });

    for (const [m, k, n] of [
      [1, 1, 1],
      [65, 33, 70],
      [128, 256, 64],
      [3, 200, 5],
      [13, 20, 36],
      [5, 8, 12],
    ]) {
      it(`matmul ${m}x${k} @ ${k}x${n}, plain, transposed and batch-broadcast (simd and tiled kernels)`, async () => {
        for (const gpu of [simdGpu, await tiledGpu]) {
          const a = pair(gpu, values(m * k, 1), 'float32', [m, k]);
          const b = pair(gpu, values(k * n, 2), 'float32', [k, n]);
          const tol = { rtol: 1e-4, atol: 1e-4 };
          await compare(gpu, gpu.matmul(a.gpu, b.gpu), ref.matmul(a.cpu, b.cpu), 'float32', m * n, tol);
          const at = pair(gpu, values(m * k, 3), 'float32', [m, k], [1, m]);
          const bt = pair(gpu, values(k * n, 4), 'float32', [k, n], [1, k]);
          await compare(gpu, gpu.matmul(at.gpu, bt.gpu), ref.matmul(at.cpu, bt.cpu), 'float32', m * n, tol);
          // [2,3] batch: a broadcast over the first batch dim (stride 0), b over the second.
          const ab = pair(gpu, values(3 * m * k, 5), 'float32', [2, 3, m, k], [0, m * k, k, 1]);
          const bb = pair(gpu, values(2 * k * n, 6), 'float32', [2, 3, k, n], [k * n, 0, n, 1]);
          await compare(
            gpu,
            gpu.matmul(ab.gpu, bb.gpu),
            ref.matmul(ab.cpu, bb.cpu),
            'float32',
            6 * m * n,
            tol,
          );
          // Offsets that break vec4 alignment take the copy-then-vec4 path.
          const ao = pair(gpu, values(m * k + 1, 7), 'float32', [m, k], [k, 1], 1);
          await compare(gpu, gpu.matmul(ao.gpu, b.gpu), ref.matmul(ao.cpu, b.cpu), 'float32', m * n, tol);
        }
      });
    }

    it('gather, scatterAdd and concat on strided views', async () => {
      const x = pair(gpu, values(20, 1), 'float32', [4, 5], [1, 4]);
      const idx = pair(gpu, values(12, 2, 'int32', 0, 4), 'int32', [3, 4]);
      await compare(gpu, gpu.gather(x.gpu, 0, idx.gpu), ref.gather(x.cpu, 0, idx.cpu), 'float32', 12);
      await compare(gpu, gpu.gather(x.gpu, 1, idx.gpu), ref.gather(x.cpu, 1, idx.cpu), 'float32', 12);
      const src = pair(gpu, values(12, 3), 'float32', [3, 4]);
      await compare(
        gpu,
        gpu.scatterAdd([4, 5], 0, idx.gpu, src.gpu),
        ref.scatterAdd([4, 5], 0, idx.cpu, src.cpu),
        'float32',
        20,
      );
      await compare(
        gpu,
        gpu.scatterAdd([4, 5], 1, idx.gpu, src.gpu),
        ref.scatterAdd([4, 5], 1, idx.cpu, src.cpu),
        'float32',
        20,
      );
      const isrc = pair(gpu, values(12, 3, 'int32'), 'int32', [3, 4]);
      await compare(
        gpu,
        gpu.scatterAdd([5, 4], 0, idx.gpu, isrc.gpu),
        ref.scatterAdd([5, 4], 0, idx.cpu, isrc.cpu),
        'int32',
        20,
      );
      const y = pair(gpu, values(8, 4), 'float32', [4, 2]);
      await compare(
        gpu,
        gpu.concat([x.gpu, y.gpu, x.gpu], 1, [4, 12]),
        ref.concat([x.cpu, y.cpu, x.cpu], 1, [4, 12]),
        'float32',
        48,
      );
    });

    for (const log of [false, true]) {
      it(`fused ${log ? 'log-' : ''}softmax and its backward along each axis of a strided view`, async () => {
        const x = pair(gpu, values(60, 8, 'float32', -6, 6), 'float32', [3, 4, 5], [1, 15, 3]);
        const dy = pair(gpu, values(60, 9), 'float32', [3, 4, 5]);
        for (const axis of [0, 1, 2]) {
          const yg = gpu.fused.softmax!(x.gpu, axis, log);
          const yc = ref.fused!.softmax!(x.cpu, axis, log);
          const st = contiguous([3, 4, 5]);
          const v = (storage: unknown) => ({
            storage,
            dtype: 'float32' as DType,
            shape: [3, 4, 5],
            strides: st,
            offset: 0,
          });
          await compare(
            gpu,
            gpu.fused.softmaxBackward!(v(yg), dy.gpu, axis, log),
            ref.fused!.softmaxBackward!(v(yc), dy.cpu, axis, log),
            'float32',
            60,
            { rtol: 1e-5, atol: 1e-6 },
          );
          await compare(gpu, yg, yc, 'float32', 60);
        }
      });
    }

    const convCases: [
      string,
      number[],
      number[],
      { stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number },
    ][] = [
      [
        '3x2 kernel, stride [2,1], padding [1,0], dilation [1,2]',
        [2, 3, 7, 6],
        [4, 3, 3, 2],
        { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 1 },
      ],
      [
        'groups 2, padding 1',
        [3, 4, 5, 5],
        [6, 2, 3, 3],
        { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 },
      ],
      [
        '1x1, 8 channels (vec4 path)',
        [2, 8, 4, 4],
        [8, 8, 1, 1],
        { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
      ],
    ];
    for (const [name, xs, ws, p] of convCases) {
      it(`fused conv2d forward and both backward passes: ${name}`, async () => {
        const oh = Math.floor((xs[2] + 2 * p.padding[0] - p.dilation[0] * (ws[2] - 1) - 1) / p.stride[0]) + 1;
        const ow = Math.floor((xs[3] + 2 * p.padding[1] - p.dilation[1] * (ws[3] - 1) - 1) / p.stride[1]) + 1;
        const ys = [xs[0], ws[0], oh, ow];
        const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
        const x = pair(gpu, values(size(xs), 1), 'float32', xs);
        const w = pair(gpu, values(size(ws), 2), 'float32', ws);
        const dy = pair(gpu, values(size(ys), 3), 'float32', ys);
        const tol = { rtol: 1e-4, atol: 1e-4 };
        const fg = gpu.fused;
        const fc = ref.fused!;
        await compare(
          gpu,
          fg.conv2d!(x.gpu, w.gpu, p, ys),
          fc.conv2d!(x.cpu, w.cpu, p, ys),
          'float32',
          size(ys),
          { ...tol, what: 'y' },
        );
        await compare(
          gpu,
          fg.conv2dBackwardInput!(dy.gpu, w.gpu, p, xs),
          fc.conv2dBackwardInput!(dy.cpu, w.cpu, p, xs),
          'float32',
          size(xs),
          { ...tol, what: 'dx' },
        );
        await compare(
          gpu,
          fg.conv2dBackwardWeight!(x.gpu, dy.gpu, p, ws),
          fc.conv2dBackwardWeight!(x.cpu, dy.cpu, p, ws),
          'float32',
          size(ws),
          { ...tol, what: 'dw' },
        );
      });
    }

    const poolCases: [
      string,
      number[],
      {
        kernel: [number, number];
        stride: [number, number];
        padding: [number, number];
        dilation: [number, number];
        ceilMode: boolean;
      },
    ][] = [
      [
        '2x2 stride 2',
        [2, 3, 6, 8],
        { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false },
      ],
      [
        '3x3 stride 2 padding 1 ceil mode',
        [1, 2, 7, 6],
        { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true },
      ],
      [
        'overlapping 3x2 stride 1',
        [2, 2, 5, 5],
        { kernel: [3, 2], stride: [1, 1], padding: [0, 1], dilation: [1, 1], ceilMode: false },
      ],
    ];
    for (const [name, xs, p] of poolCases) {
      it(`fused max and avg pooling with their backward passes: ${name}`, async () => {
        const out = (size: number, i: number) => {
          const span = size + 2 * p.padding[i] - p.dilation[i] * (p.kernel[i] - 1) - 1;
          let o = (p.ceilMode ? Math.ceil(span / p.stride[i]) : Math.floor(span / p.stride[i])) + 1;
          if (p.ceilMode && (o - 1) * p.stride[i] >= size + p.padding[i]) o--;
          return o;
        };
        const ys = [xs[0], xs[1], out(xs[2], 0), out(xs[3], 1)];
        const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
        const data = values(size(xs), 4);
        data[5] = Number.NaN;
        const x = pair(gpu, data, 'float32', xs);
        const dy = pair(gpu, values(size(ys), 5), 'float32', ys);
        const fg = gpu.fused;
        const fc = ref.fused!;
        const mg = fg.maxPool2d!(x.gpu, p, ys);
        const mc = fc.maxPool2d!(x.cpu, p, ys);
        const [gi, ci] = await Promise.all([
          gpu.read(mg.indices, 'int32', size(ys)),
          ref.read(mc.indices, 'int32', size(ys)),
        ]);
        expect(Array.from(gi)).toEqual(Array.from(ci));
        const iv = (s: unknown) => ({
          storage: s,
          dtype: 'int32' as const,
          shape: ys,
          strides: contiguous(ys),
          offset: 0,
        });
        await compare(
          gpu,
          fg.maxPool2dBackward!(dy.gpu, iv(mg.indices), xs),
          fc.maxPool2dBackward!(dy.cpu, iv(mc.indices), xs),
          'float32',
          size(xs),
          { rtol: 1e-5, atol: 1e-6, what: 'max dx' },
        );
        await compare(gpu, mg.values, mc.values, 'float32', size(ys), { what: 'max' });
        for (const include of [true, false]) {
          const clean = pair(gpu, values(size(xs), 6), 'float32', xs);
          await compare(
            gpu,
            fg.avgPool2d!(clean.gpu, p, include, ys),
            fc.avgPool2d!(clean.cpu, p, include, ys),
            'float32',
            size(ys),
            { what: `avg ${include}` },
          );
          await compare(
            gpu,
            fg.avgPool2dBackward!(dy.gpu, p, include, xs),
            fc.avgPool2dBackward!(dy.cpu, p, include, xs),
            'float32',
            size(xs),
            { what: `avg dx ${include}` },
          );
        }
      });
    }

    // PyTorch's Adam/AdamW and SGD updates in float64, the reference for the fused kernels.
    function adamRef(
      d: Float32Array[],
      a: {
        lr: number;
        beta1: number;
        beta2: number;
        eps: number;
        weightDecay: number;
        decoupled: boolean;
        step: number;
      },
      amsgrad: boolean,
    ) {
      const [p0, g0, m0, v0, x0] = d;
      const n = p0.length;
      const out = {
        p: new Float32Array(n),
        m: new Float32Array(n),
        v: new Float32Array(n),
        vMax: new Float32Array(n),
      };
      for (let i = 0; i < n; i++) {
        let p = p0[i];
        let g = g0[i];
        if (a.decoupled) p *= 1 - a.lr * a.weightDecay;
        else g += a.weightDecay * p;
        const m = a.beta1 * m0[i] + (1 - a.beta1) * g;
        const v = a.beta2 * v0[i] + (1 - a.beta2) * g * g;
        const vu = amsgrad ? Math.max(x0[i], v) : v;
        const denom = Math.sqrt(vu) / Math.sqrt(1 - a.beta2 ** a.step) + a.eps;
        out.p[i] = p - (a.lr / (1 - a.beta1 ** a.step)) * (m / denom);
        out.m[i] = m;
        out.v[i] = v;
        out.vMax[i] = vu;
      }
      return out;
    }

    for (const amsgrad of [false, true]) {
      for (const decoupled of [false, true]) {
        it(`fused adamStep (amsgrad ${amsgrad}, decoupled ${decoupled}) matches PyTorch's update`, async () => {
          const n = 300;
          const data = [1, 2, 3, 4, 5].map((s) => values(n, s, 'float32', s > 3 ? 0 : -1, 1) as Float32Array);
          const [p, g, m, v, vMax] = data.map((d) => pair(gpu, d, 'float32', [n]).gpu);
          const args = {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weightDecay: 0.1,
            decoupled,
            step: 3,
          };
          const og = gpu.fused.adamStep!({ p, g, m, v, vMax: amsgrad ? vMax : undefined, ...args });
          const want = adamRef(data, args, amsgrad);
          for (const k of (amsgrad ? ['p', 'm', 'v', 'vMax'] : ['p', 'm', 'v']) as (
            | 'p'
            | 'm'
            | 'v'
            | 'vMax'
          )[]) {
            expectClose(await gpu.read(og[k]!, 'float32', n), want[k], 1e-5, 1e-6, k);
          }
          expect(og.vMax === undefined).toBe(!amsgrad);
        });
      }
    }

    for (const [momentum, nesterov, firstStep] of [
      [0, false, false],
      [0.9, false, true],
      [0.9, true, false],
    ] as const) {
      it(`fused sgdStep (momentum ${momentum}, nesterov ${nesterov}, first step ${firstStep}) matches PyTorch's update`, async () => {
        const n = 100;
        const data = [1, 2, 3].map((s) => values(n, s) as Float32Array);
        const [p, g, buf] = data.map((d) => pair(gpu, d, 'float32', [n]).gpu);
        const args = { lr: 0.1, momentum, dampening: 0.1, weightDecay: 0.01, nesterov, firstStep };
        const og = gpu.fused.sgdStep!({ p, g, buf: momentum ? buf : undefined, ...args });
        const wantP = new Float32Array(n);
        const wantB = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          let d = data[1][i] + args.weightDecay * data[0][i];
          if (momentum) {
            const b = firstStep ? d : momentum * data[2][i] + (1 - args.dampening) * d;
            wantB[i] = b;
            d = nesterov ? d + momentum * b : b;
          }
          wantP[i] = data[0][i] - args.lr * d;
        }
        expectClose(await gpu.read(og.p, 'float32', n), wantP, 1e-5, 1e-6, 'p');
        expect(og.buf === undefined).toBe(momentum === 0);
        if (og.buf) expectClose(await gpu.read(og.buf, 'float32', n), wantB, 1e-5, 1e-6, 'buf');
      });
    }
  },
);
