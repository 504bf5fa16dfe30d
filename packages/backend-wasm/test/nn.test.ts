import { installAutograd } from '@nn/autograd';
import type { Conv2dParams } from '@nn/tensor';
import * as nn from '@nn/tensor';
import { conv2dGeometry } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { directLayout } from '../src/ops-conv-direct.js';
import { agree, backends, randValues, rng, runOn } from './helpers.js';

beforeAll(async () => {
  await backends();
  installAutograd();
});

/** Output, input gradient and weight gradient of sum(conv2d(x, w) * r). */
function convAndGrads(
  xs: number[],
  ws: number[],
  opts: nn.ConvOptions,
  dtype: 'float32' | 'float64' = 'float32',
): () => nn.Tensor[] {
  return () => {
    const x = nn
      .tensor(
        randValues(
          xs.reduce((a, b) => a * b),
          1,
        ),
        { shape: xs, dtype },
      )
      .requiresGrad_();
    const w = nn
      .tensor(
        randValues(
          ws.reduce((a, b) => a * b),
          2,
        ),
        { shape: ws, dtype },
      )
      .requiresGrad_();
    const y = nn.conv2d(x, w, null, opts);
    const r = nn.tensor(randValues(y.size, 3), { shape: y.shape, dtype });
    nn.sum(nn.mul(y, r)).backward();
    return [y, x.grad!, w.grad!];
  };
}

describe('conv2d (im2col + GEMM) forward and both gradients', () => {
  const cases: [string, number[], number[], nn.ConvOptions][] = [
    ['3x3', [2, 3, 8, 9], [4, 3, 3, 3], {}],
    ['padding 1', [2, 3, 8, 8], [5, 3, 3, 3], { padding: 1 }],
    ['stride 2, padding 2', [1, 2, 11, 10], [3, 2, 5, 5], { stride: 2, padding: 2 }],
    ['dilation 2', [2, 2, 9, 9], [3, 2, 3, 3], { dilation: 2, padding: 1 }],
    ['groups 2', [2, 4, 7, 7], [6, 2, 3, 3], { groups: 2, padding: 1 }],
    ['1x1', [3, 8, 5, 5], [4, 8, 1, 1], {}],
    ['MNIST-like', [8, 1, 28, 28], [8, 1, 3, 3], { padding: 1 }],
    [
      'batch of 19 (uneven jobs), groups 2, stride 2',
      [19, 4, 9, 8],
      [6, 2, 3, 3],
      { groups: 2, stride: 2, padding: 1 },
    ],
  ];
  for (const [name, xs, ws, opts] of cases) {
    it(name, () => agree(convAndGrads(xs, ws, opts), 1e-4, 1e-4));
  }
  it('float64 (direct loops)', () =>
    agree(
      convAndGrads([2, 2, 6, 5], [4, 1, 3, 2], { groups: 2, stride: [2, 1], padding: 1 }, 'float64'),
      1e-12,
      1e-12,
    ));
});

describe('softmax and log-softmax, forward and backward', () => {
  for (const log of [false, true]) {
    for (const dim of [0, 1, 2]) {
      for (const permuted of [false, true]) {
        it(`${log ? 'logSoftmax' : 'softmax'} along ${dim}${permuted ? ' of a permuted view' : ''}`, () =>
          agree(() => {
            const base = nn
              .tensor(randValues(3 * 4 * 37, dim + 1, -6, 6), { shape: [3, 4, 37] })
              .requiresGrad_();
            const x = permuted ? nn.permute(base, [2, 0, 1]) : base;
            const y = log ? nn.logSoftmax(x, dim) : nn.softmax(x, dim);
            nn.sum(nn.mul(y, nn.tensor(randValues(y.size, 9), { shape: y.shape }))).backward();
            return [y, base.grad!];
          }));
      }
    }
  }
});

describe('pooling forward and backward', () => {
  const poolCase = (fn: (x: nn.Tensor) => nn.Tensor, shape: number[]) => () => {
    const x = nn
      .tensor(
        randValues(
          shape.reduce((a, b) => a * b),
          4,
        ),
        { shape },
      )
      .requiresGrad_();
    const y = fn(x);
    const r = nn.tensor(randValues(y.size, 5), { shape: y.shape });
    nn.sum(nn.mul(y, r)).backward();
    return [y, x.grad!];
  };
  const shape = [2, 3, 9, 10];
  it('maxPool2d 2x2', () => agree(poolCase((x) => nn.maxPool2d(x, { kernelSize: 2 }), shape)));
  it('maxPool2d 3x3 stride 2 padding 1 dilation 2 ceil', () =>
    agree(
      poolCase(
        (x) => nn.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, dilation: 2, ceilMode: true }),
        shape,
      ),
    ));
  it('maxPool2d lets NaN win its window', () =>
    agree(() => {
      const v = randValues(2 * 100, 7);
      for (const i of [3, 12, 13, 40, 57, 150, 151, 199]) v[i] = Number.NaN;
      const x = nn.tensor(v, { shape: [1, 2, 10, 10] });
      const r = nn.maxPool2d(x, { kernelSize: 2, returnIndices: true });
      const r3 = nn.maxPool2d(x, { kernelSize: 3, stride: 1, returnIndices: true });
      const r31 = nn.maxPool2d(x, { kernelSize: [2, 3], stride: [1, 3], returnIndices: true });
      return [r.values, r.indices, r3.values, r3.indices, r31.values, r31.indices];
    }));
  it('maxPool2d 2x2: ties, signed zeros, infinities and NaN pick the tap PyTorch picks', () => {
    // Values from a small set make ties common; the 2x2 windows have a SIMD path of their own.
    const pick = [-0, 0, 1, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN];
    for (const shape of [
      [2, 3, 10, 13],
      [1, 2, 11, 11],
      [1, 1, 4, 17],
    ]) {
      const n = shape.reduce((a, b) => a * b);
      const r = rng(n);
      // Mostly ties among finite values; NaN and infinities in a few windows.
      const v = Array.from({ length: n }, () => pick[Math.floor(r() * (r() < 0.9 ? 4 : 7))]);
      const f = () => {
        const out = nn.maxPool2d(nn.tensor(v, { shape }), { kernelSize: 2, returnIndices: true });
        return [out.values, out.indices];
      };
      const [wv, wi] = runOn('cpu', f);
      for (const backend of ['wasm', 'wasm-relaxed']) {
        const [gv, gi] = runOn(backend, f);
        expect(gi.values).toEqual(wi.values);
        for (let i = 0; i < wv.values.length; i++)
          expect(Object.is(gv.values[i], wv.values[i]), `${i}`).toBe(true);
      }
    }
  });
  it('maxPool2d indices', () =>
    agree(() => [
      nn.maxPool2d(nn.tensor(randValues(2 * 16, 6), { shape: [1, 2, 4, 4] }), {
        kernelSize: 2,
        returnIndices: true,
      }).indices,
    ]));
  it('avgPool2d 2x2', () => agree(poolCase((x) => nn.avgPool2d(x, { kernelSize: 2 }), shape)));
  for (const countIncludePad of [true, false]) {
    it(`avgPool2d 3x3 stride 2 padding 1 ceil countIncludePad=${countIncludePad}`, () =>
      agree(
        poolCase(
          (x) => nn.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad }),
          shape,
        ),
      ));
  }
});

describe('conv2d on the direct kernels (stride 1, dilation 1, one group)', () => {
  const p = (padding: [number, number]): Conv2dParams => ({
    stride: [1, 1],
    padding,
    dilation: [1, 1],
    groups: 1,
  });
  // The first layer's input gradient (one output row) is left to the GEMM; see the next test.
  const cases: [string, number[], number[], [number, number]][] = [
    ['the bench CNN first layer', [5, 1, 28, 28], [8, 1, 3, 3], [0, 0]],
    ['the bench CNN second layer', [3, 8, 13, 13], [16, 8, 3, 3], [0, 0]],
    ['6 output channels (rows padded to 8), odd tap count', [2, 3, 9, 7], [6, 3, 3, 3], [1, 1]],
    ['rectangular kernel, uneven padding', [3, 4, 10, 11], [4, 4, 2, 3], [1, 2]],
    ['5x5 kernel, padding 2', [2, 3, 12, 12], [7, 3, 5, 5], [2, 2]],
    ['1x1 kernel', [2, 8, 5, 6], [12, 8, 1, 1], [0, 0]],
    ['batch of 19 (uneven jobs)', [19, 3, 7, 7], [4, 3, 3, 3], [1, 1]],
  ];
  for (const [name, xs, ws, padding] of cases) {
    it(name, () => {
      const ys = [xs[0], ws[0], xs[2] + 2 * padding[0] - ws[2] + 1, xs[3] + 2 * padding[1] - ws[3] + 1];
      // Every mode takes the direct kernels here; the agreement below is theirs.
      for (const mode of ['forward', 'input', 'weight'] as const)
        if (mode !== 'input' || xs[1] > 2)
          expect(directLayout(conv2dGeometry(xs, ws, ys, p(padding)), p(padding), mode), mode).not.toBeNull();
      agree(convAndGrads(xs, ws, { padding }), 1e-4, 1e-4);
      agree(convAndGrads(xs, ws, { padding }), 1e-4, 1e-4, 'wasm-relaxed');
    });
  }

  it('falls back to im2col + GEMM for one or two output rows, and past the scratch budget', () => {
    const small = p([1, 1]);
    const one = conv2dGeometry([2, 1, 8, 8], [8, 1, 3, 3], [2, 8, 8, 8], small);
    expect(directLayout(one, small, 'forward')).not.toBeNull();
    expect(directLayout(one, small, 'input')).toBeNull();
    const big = conv2dGeometry([1, 64, 40, 40], [8, 64, 3, 3], [1, 8, 40, 40], small);
    expect(directLayout(big, small, 'forward')).toBeNull();
    agree(convAndGrads([2, 1, 8, 8], [8, 1, 3, 3], { padding: 1 }), 1e-4, 1e-4);
    agree(convAndGrads([1, 64, 40, 40], [8, 64, 3, 3], { padding: 1 }), 1e-3, 1e-3);
  });

  it('non-finite inputs or weights give the NaN and infinity pattern of the GEMM path', () => {
    // Garbage columns of the wide rows pair a zero gradient with real inputs (0 * inf = NaN):
    // a sample with a non-finite input, and weights with one, take the GEMM instead.
    const run = (where: 'x' | 'w', value: number) => () => {
      const xv = randValues(3 * 3 * 6 * 6, 1);
      const wv = randValues(4 * 3 * 3 * 3, 2);
      // An input in the first column (read by the previous row's garbage columns), and a tap
      // that reaches past the left edge for the first output column.
      if (where === 'x') xv[108 + 6] = value;
      else wv[5] = value;
      const x = nn.tensor(xv, { shape: [3, 3, 6, 6] }).requiresGrad_();
      const w = nn.tensor(wv, { shape: [4, 3, 3, 3] }).requiresGrad_();
      const y = nn.conv2d(x, w, null, { padding: 1 });
      nn.sum(nn.mul(y, nn.tensor(randValues(y.size, 3), { shape: y.shape }))).backward();
      return [y, x.grad!, w.grad!];
    };
    for (const value of [Number.POSITIVE_INFINITY, Number.NaN]) {
      agree(run('x', value), 1e-4, 1e-4);
      agree(run('w', value), 1e-4, 1e-4);
    }
  });
});
