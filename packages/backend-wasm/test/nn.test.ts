import { installAutograd } from '@nn/autograd';
import * as nn from '@nn/tensor';
import { beforeAll, describe, it } from 'vitest';
import { agree, backends, randValues } from './helpers.js';

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
