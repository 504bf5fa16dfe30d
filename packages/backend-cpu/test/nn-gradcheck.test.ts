import { gradcheck } from '@nn/autograd';
import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  embedding,
  layerNorm,
  manualSeed,
  maxPool1d,
  maxPool2d,
  pad,
  randn,
  type Tensor,
  tensor,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { setupBackends } from './nn-helpers.js';

const names = setupBackends();

// Distinct, well-separated values so max-pool windows have no near ties for the finite differences.
function spread(shape: number[], backend: string): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * 37) % n) - n / 2) * (1 / n) + 0.001 * i;
  return tensor(v, { shape, dtype: 'float64', backend });
}

describe.each([names.fused, names.composite])('gradcheck of nn ops on %s', (backend) => {
  const r = (shape: number[]): Tensor => {
    manualSeed(shape.reduce((a, b) => a * 31 + b, 7));
    return randn(shape, { dtype: 'float64', backend });
  };
  const cases: [string, () => Promise<{ ok: boolean; message: string }>][] = [
    [
      'conv2d stride/pad/dilation',
      () =>
        gradcheck(
          (x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }),
          [r([2, 3, 6, 7]), r([4, 3, 3, 2]), r([4])],
        ),
    ],
    [
      'conv2d groups',
      () =>
        gradcheck(
          (x, w) => conv2d(x, w, null, { groups: 2, padding: 1 }),
          [r([1, 4, 5, 5]), r([6, 2, 3, 3])],
        ),
    ],
    [
      'conv2d depthwise',
      () =>
        gradcheck((x, w) => conv2d(x, w, null, { groups: 3, stride: 2 }), [r([2, 3, 5, 6]), r([3, 1, 2, 2])]),
    ],
    [
      'convTranspose2d stride/padding/outputPadding/dilation/groups',
      () =>
        gradcheck(
          (x, w, b) =>
            convTranspose2d(x, w, b, {
              stride: [2, 3],
              padding: [1, 0],
              outputPadding: [1, 2],
              dilation: [2, 1],
              groups: 2,
            }),
          [r([2, 4, 3, 3]), r([4, 3, 3, 2]), r([6])],
        ),
    ],
    [
      // outputPadding below dilation but not below stride: the output has rows no input reaches.
      'convTranspose1d outputPadding >= stride',
      () =>
        gradcheck(
          (x, w) => convTranspose1d(x, w, null, { dilation: 3, outputPadding: 2 }),
          [r([2, 2, 4]), r([2, 3, 2])],
        ),
    ],
    [
      'convTranspose2d unbatched',
      () => gradcheck((x, w) => convTranspose2d(x, w), [r([2, 3, 2]), r([2, 1, 2, 2])]),
    ],
    [
      'convTranspose3d',
      () =>
        gradcheck(
          (x, w, b) => convTranspose3d(x, w, b, { stride: [1, 2, 1], padding: [0, 1, 0] }),
          [r([1, 2, 2, 3, 2]), r([2, 2, 2, 3, 2]), r([2])],
        ),
    ],
    ['conv2d unbatched', () => gradcheck((x, w) => conv2d(x, w), [r([2, 4, 4]), r([3, 2, 2, 2])])],
    [
      'conv1d',
      () =>
        gradcheck(
          (x, w, b) => conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }),
          [r([2, 4, 9]), r([4, 2, 3]), r([4])],
        ),
    ],
    [
      'conv3d',
      () =>
        gradcheck(
          (x, w, b) => conv3d(x, w, b, { padding: [0, 1, 0], stride: [1, 2, 1] }),
          [r([1, 2, 3, 4, 3]), r([2, 2, 2, 2, 2]), r([2])],
        ),
    ],
    [
      'maxPool2d',
      () =>
        gradcheck(
          (x) => maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
          [spread([2, 2, 6, 7], backend)],
        ),
    ],
    [
      'maxPool2d dilation',
      () =>
        gradcheck(
          (x) => maxPool2d(x, { kernelSize: 2, stride: 1, dilation: 2 }),
          [spread([1, 2, 5, 5], backend)],
        ),
    ],
    [
      'maxPool1d',
      () =>
        gradcheck(
          (x) => maxPool1d(x, { kernelSize: 3, stride: 2, padding: 1 }),
          [spread([2, 3, 8], backend)],
        ),
    ],
    [
      'avgPool2d ceil include',
      () =>
        gradcheck(
          (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
          [r([2, 2, 6, 6])],
        ),
    ],
    [
      'avgPool2d exclude',
      () =>
        gradcheck(
          (x) =>
            avgPool2d(x, { kernelSize: [2, 3], stride: [2, 1], padding: [1, 1], countIncludePad: false }),
          [r([1, 2, 5, 4])],
        ),
    ],
    ['adaptiveAvgPool2d', () => gradcheck((x) => adaptiveAvgPool2d(x, [3, 2]), [r([2, 2, 5, 7])])],
    [
      'batchNorm training',
      () =>
        gradcheck(
          (x, w, b) => batchNorm(x, null, null, w, b, { training: true }),
          [r([4, 3, 2, 2]), r([3]), r([3])],
        ),
    ],
    [
      'layerNorm',
      () => gradcheck((x, w, b) => layerNorm(x, [3, 4], w, b), [r([2, 3, 4]), r([3, 4]), r([3, 4])]),
    ],
    ['pad', () => gradcheck((x) => pad(x, [1, 2, -1, 1], 0.5), [r([2, 3, 4])])],
  ];
  it.each(cases)('%s', async (_name, run) => {
    const res = await run();
    expect(res.ok, res.message).toBe(true);
  });

  it('embedding', async () => {
    const idx = tensor(new Int32Array([0, 2, 1, 0, 3, 2]), { shape: [2, 3], backend });
    const res = await gradcheck((w) => embedding(idx, w), [r([4, 3]).requiresGrad_()]);
    expect(res.ok, res.message).toBe(true);
  });
});
