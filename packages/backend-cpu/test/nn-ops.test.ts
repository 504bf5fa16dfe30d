import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  conv1d,
  conv2d,
  DTypeError,
  dropout,
  embedding,
  IndexError,
  type MaxPoolOptions,
  manualSeed,
  maxPool1d,
  maxPool2d,
  ones,
  pad,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { mismatch, setupBackends, values } from './nn-helpers.js';

const { fused, composite } = setupBackends();

function both(shape: number[], seed: number): [Tensor, Tensor] {
  manualSeed(seed);
  const a = randn(shape, { backend: fused });
  return [a, tensor(a.dataSync(), { shape, backend: composite })];
}

describe('fused cpu kernels agree with the composite path', () => {
  const convCases: [string, number[], number[], Parameters<typeof conv2d>[3]][] = [
    ['plain', [3, 2, 9, 8], [4, 2, 3, 3], {}],
    [
      'stride pad dilation',
      [2, 3, 11, 10],
      [5, 3, 3, 2],
      { stride: [2, 3], padding: [2, 1], dilation: [2, 1] },
    ],
    ['groups', [2, 6, 7, 7], [9, 2, 3, 3], { groups: 3, padding: 1 }],
    ['1x1', [2, 5, 4, 4], [3, 5, 1, 1], {}],
  ];
  it.each(convCases)('conv2d %s: output and gradients', (_n, xs, ws, opts) => {
    const [xf, xc] = both(xs, 1);
    const [wf, wc] = both(ws, 2);
    const [gf, gc] = both([ws[0]], 3);
    for (const t of [xf, xc, wf, wc, gf, gc]) t.requiresGrad = true;
    const yf = conv2d(xf, wf, gf, opts);
    const yc = conv2d(xc, wc, gc, opts);
    expect(yf.shape).toEqual(yc.shape);
    expect(mismatch(values(yf), values(yc), 1e-5, 1e-5)).toBeNull();
    const [sf, sc] = both(yf.shape as number[], 4);
    yf.backward(sf);
    yc.backward(sc);
    for (const [a, b] of [
      [xf, xc],
      [wf, wc],
      [gf, gc],
    ]) {
      expect(mismatch(values(a.grad as Tensor), values(b.grad as Tensor), 1e-4, 1e-5)).toBeNull();
    }
  });

  it('fused kernels honour views: offsets and non-contiguous inputs', () => {
    manualSeed(11);
    const big = randn([4, 3, 6, 5], { backend: fused });
    const view = big.narrow(0, 1, 2); // contiguous, non-zero offset
    const perm = randn([2, 6, 5, 3], { backend: fused }).permute(0, 3, 1, 2); // strided
    const w = randn([2, 3, 3, 3], { backend: fused });
    for (const x of [view, perm]) {
      const copy = x.clone();
      expect(values(conv2d(x, w, null, { padding: 1 }))).toEqual(
        values(conv2d(copy, w, null, { padding: 1 })),
      );
      expect(values(maxPool2d(x, { kernelSize: 2 }))).toEqual(values(maxPool2d(copy, { kernelSize: 2 })));
      expect(values(avgPool2d(x, { kernelSize: 3, padding: 1, stride: 2 }))).toEqual(
        values(avgPool2d(copy, { kernelSize: 3, padding: 1, stride: 2 })),
      );
    }
    const leaf = randn([3, 3, 6, 5], { backend: fused, requiresGrad: true });
    const y = conv2d(leaf.narrow(0, 1, 2), w.narrow(0, 0, 2), null, { stride: 2 });
    y.sum().backward();
    const g = values(leaf.grad as Tensor);
    expect(g.slice(0, 90).every((v) => v === 0)).toBe(true);
    expect(g.slice(90).some((v) => v !== 0)).toBe(true);
  });

  it('conv2d on an image too big for one patch matrix works in bands of rows', () => {
    // 16 channels x 3x3 taps x 100 x 100 outputs exceeds the 2^20-double patch budget: two bands.
    const [xf, xc] = both([2, 16, 100, 100], 5);
    const [wf, wc] = both([3, 16, 3, 3], 6);
    for (const t of [xf, xc, wf, wc]) t.requiresGrad = true;
    const yf = conv2d(xf, wf, null, { padding: 1 });
    const yc = conv2d(xc, wc, null, { padding: 1 });
    expect(mismatch(values(yf), values(yc), 1e-4, 1e-5)).toBeNull();
    const [sf, sc] = both(yf.shape as number[], 9);
    yf.backward(sf);
    yc.backward(sc);
    expect(mismatch(values(xf.grad as Tensor), values(xc.grad as Tensor), 1e-4, 1e-5)).toBeNull();
    expect(mismatch(values(wf.grad as Tensor), values(wc.grad as Tensor), 1e-4, 1e-3)).toBeNull();
  });

  const poolCases: [string, number[], MaxPoolOptions][] = [
    ['2x2', [2, 3, 8, 8], { kernelSize: 2 }],
    ['ceil pad', [1, 2, 7, 9], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
    ['dilation', [1, 2, 9, 9], { kernelSize: [2, 3], stride: [1, 2], dilation: [2, 1] }],
  ];
  it.each(poolCases)('maxPool2d %s: values, indices, gradient', (_n, xs, opts) => {
    const [xf, xc] = both(xs, 7);
    xf.requiresGrad = true;
    xc.requiresGrad = true;
    const rf = maxPool2d(xf, { ...opts, returnIndices: true });
    const rc = maxPool2d(xc, { ...opts, returnIndices: true });
    expect(values(rf.values)).toEqual(values(rc.values));
    expect(rf.indices.dtype).toBe('int32');
    expect(values(rf.indices)).toEqual(values(rc.indices));
    rf.values.sum().backward();
    rc.values.sum().backward();
    expect(values(xf.grad as Tensor)).toEqual(values(xc.grad as Tensor));
  });

  it.each([true, false])('avgPool2d ceilMode with countIncludePad=%s', (include) => {
    const [xf, xc] = both([2, 2, 7, 6], 8);
    const opts = { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: include };
    expect(mismatch(values(avgPool2d(xf, opts)), values(avgPool2d(xc, opts)), 1e-5, 1e-6)).toBeNull();
  });
});

describe('conv padding modes', () => {
  it.each([fused, composite])(
    "padding='same' keeps the size and puts an odd extra zero on the right (%s)",
    (backend) => {
      manualSeed(21);
      const x = randn([2, 3, 7, 6], { backend, requiresGrad: true });
      const w = randn([4, 3, 4, 3], { backend });
      const y = conv2d(x, w, null, { padding: 'same', dilation: [1, 2] });
      expect(y.shape).toEqual([2, 4, 7, 6]);
      // kernel 4 (total 3): 1 left, 2 right; kernel 3 dilated by 2 (total 4): 2 and 2.
      const want = conv2d(pad(x, [2, 2, 1, 2]), w, null, { dilation: [1, 2] });
      expect(mismatch(values(y), values(want), 1e-5, 1e-6)).toBeNull();
      y.sum().backward();
      expect(x.grad?.shape).toEqual([2, 3, 7, 6]);
      expect(values(conv2d(x, w, null, { padding: 'valid' }))).toEqual(values(conv2d(x, w)));
    },
  );

  it("padding='same' with a stride is an error, as in PyTorch", () => {
    const x = zeros([1, 1, 5, 5], { backend: fused });
    expect(() =>
      conv2d(x, zeros([1, 1, 3, 3], { backend: fused }), null, { padding: 'same', stride: 2 }),
    ).toThrow(ValueError);
  });
});

describe('unbatched inputs', () => {
  it.each([fused, composite])(
    'conv1d, maxPool1d, avgPool2d and adaptiveAvgPool2d accept inputs without a batch dim (%s)',
    (backend) => {
      manualSeed(31);
      const x1 = randn([3, 9], { backend });
      const w1 = randn([2, 3, 3], { backend });
      expect(values(conv1d(x1, w1, null, { padding: 1 }))).toEqual(
        values(conv1d(x1.unsqueeze(0), w1, null, { padding: 1 })),
      );
      expect(conv1d(x1, w1).shape).toEqual([2, 7]);
      expect(values(maxPool1d(x1, { kernelSize: 2 }))).toEqual(
        values(maxPool1d(x1.unsqueeze(0), { kernelSize: 2 })),
      );
      const x2 = randn([2, 7, 5], { backend });
      expect(avgPool2d(x2, { kernelSize: 2 }).shape).toEqual([2, 3, 2]);
      const a = adaptiveAvgPool2d(x2, [3, 2]);
      expect(a.shape).toEqual([2, 3, 2]);
      expect(mismatch(values(a), values(adaptiveAvgPool2d(x2.unsqueeze(0), [3, 2])), 1e-6, 1e-6)).toBeNull();
    },
  );
});

describe('pooling semantics', () => {
  it('maxPool2d indices are positions in the unpadded plane', () => {
    const x = tensor(
      [
        [
          [
            [1, 5, 2],
            [7, 3, 4],
            [0, 8, 6],
          ],
        ],
      ],
      { backend: fused },
    );
    const { values: v, indices } = maxPool2d(x, { kernelSize: 2, stride: 1, returnIndices: true });
    expect(values(v)).toEqual([7, 5, 8, 8]);
    expect(values(indices)).toEqual([3, 1, 7, 7]);
  });

  it('maxPool2d propagates NaN like PyTorch (fused kernel)', () => {
    const x = tensor(
      [
        [
          [
            [1, Number.NaN, 2, 3],
            [0, 4, 5, 6],
          ],
        ],
      ],
      { backend: fused },
    );
    const { values: v, indices } = maxPool2d(x, { kernelSize: 2, returnIndices: true });
    expect(Number.isNaN(values(v)[0])).toBe(true);
    expect(values(v)[1]).toBe(6);
    expect(values(indices)).toEqual([1, 7]);
  });

  it('maxPool1d returns positions along L and routes the gradient there', () => {
    const x = tensor([[[3, 1, 4, 1, 5, 9, 2, 6]]], { backend: composite, requiresGrad: true });
    const { values: v, indices } = maxPool1d(x, { kernelSize: 3, stride: 2, returnIndices: true });
    expect(values(v)).toEqual([4, 5, 9]);
    expect(values(indices)).toEqual([2, 4, 5]);
    v.sum().backward();
    expect(values(x.grad as Tensor)).toEqual([0, 0, 1, 0, 1, 1, 0, 0]);
  });

  it('avgPool2d ceil mode drops a window that would start in the right padding', () => {
    const x = ones([1, 1, 5, 5], { backend: fused });
    // PyTorch: ceil((5 + 2 - 2) / 2) + 1 = 4, but the 4th window starts at 6 >= 5 + 1, so 3.
    expect(avgPool2d(x, { kernelSize: 2, stride: 2, padding: 1, ceilMode: true }).shape).toEqual([
      1, 1, 3, 3,
    ]);
  });

  it('adaptiveAvgPool2d uses floor/ceil window bounds', () => {
    const x = tensor([[[[1, 2, 3, 4, 5]]]], { backend: fused });
    // windows over 5 -> 3: [0,2), [1,4), [3,5)
    expect(values(adaptiveAvgPool2d(x, [1, 3]))).toEqual([1.5, 3, 4.5]);
    expect(values(adaptiveAvgPool2d(x, 1))).toEqual([3]);
  });
});

describe('norms, embedding, dropout, pad', () => {
  it('batchNorm in training updates running stats in place (unbiased variance)', () => {
    const x = tensor(
      [
        [1, 10],
        [3, 30],
      ],
      { backend: fused },
    );
    const rm = zeros([2], { backend: fused });
    const rv = ones([2], { backend: fused });
    const y = batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.5 });
    expect(mismatch(values(y), [-1, -1, 1, 1], 1e-4, 1e-4)).toBeNull();
    expect(values(rm)).toEqual([1, 10]);
    // unbiased var: [2, 200] -> 0.5 * 1 + 0.5 * var
    expect(values(rv)).toEqual([1.5, 100.5]);
  });

  it('batchNorm in eval uses the running stats', () => {
    const x = tensor([[2, 4]], { backend: fused });
    const y = batchNorm(
      x,
      tensor([1, 2], { backend: fused }),
      tensor([4, 16], { backend: fused }),
      null,
      null,
      { eps: 0 },
    );
    expect(values(y)).toEqual([0.5, 0.5]);
  });

  it('embedding keeps the paddingIdx row out of the gradient', () => {
    const w = randn([4, 3], { backend: fused, requiresGrad: true });
    const idx = tensor(new Int32Array([1, 0, 1, 3]), { shape: [2, 2], backend: fused });
    const y = embedding(idx, w, { paddingIdx: 1 });
    expect(y.shape).toEqual([2, 2, 3]);
    expect(values(y).slice(0, 3)).toEqual(values(w).slice(3, 6));
    y.sum().backward();
    expect(values(w.grad as Tensor)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('dropout is seeded, scales kept values, and is the identity in eval', () => {
    const x = ones([1000], { backend: fused });
    manualSeed(3);
    const a = values(dropout(x, { p: 0.3 }));
    manualSeed(3);
    const b = values(dropout(x, { p: 0.3 }));
    expect(a).toEqual(b);
    const kept = a.filter((v) => v !== 0);
    expect(new Set(kept.map((v) => v.toFixed(5)))).toEqual(new Set([(1 / 0.7).toFixed(5)]));
    expect(kept.length).toBeGreaterThan(600);
    expect(kept.length).toBeLessThan(800);
    expect(values(dropout(x, { p: 0.3, training: false }))).toEqual(values(x));
    expect(values(dropout(x, { p: 1 })).every((v) => v === 0)).toBe(true);
  });

  it('pad follows F.pad order and crops with negative amounts', () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { backend: fused },
    );
    const y = pad(x, [1, -1, 0, 1], 9);
    expect(y.shape).toEqual([3, 3]);
    expect(values(y)).toEqual([9, 1, 2, 9, 4, 5, 9, 9, 9]);
  });
});

describe('validation errors name the op and shapes', () => {
  const x = zeros([1, 3, 5, 5], { backend: fused });
  it('conv2d channel mismatch', () => {
    expect(() => conv2d(x, zeros([2, 2, 3, 3], { backend: fused }))).toThrow(ShapeError);
    expect(() => conv2d(x, zeros([2, 2, 3, 3], { backend: fused }))).toThrow(
      /conv2d.*\[2, ?2, ?3, ?3\].*\[1, ?3, ?5, ?5\]/,
    );
  });
  it('conv2d kernel larger than input', () => {
    expect(() => conv2d(x, zeros([2, 3, 7, 7], { backend: fused }))).toThrow(ShapeError);
  });
  it('conv2d bad options and dtypes', () => {
    expect(() => conv2d(x, zeros([2, 3, 3, 3], { backend: fused }), null, { stride: 0 })).toThrow(ValueError);
    expect(() => conv2d(x, zeros([2, 3, 3, 3], { backend: fused }), null, { groups: 2 })).toThrow(ShapeError);
    expect(() => conv2d(x, zeros([2, 3, 3, 3], { backend: fused, dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => conv2d(zeros([3, 5], { backend: fused }), zeros([2, 3, 3, 3], { backend: fused }))).toThrow(
      ShapeError,
    );
  });
  it('pool padding larger than half the kernel', () => {
    expect(() => maxPool2d(x, { kernelSize: 2, padding: 2 })).toThrow(ValueError);
    expect(() => avgPool2d(x, { kernelSize: 2, padding: 2 })).toThrow(ValueError);
  });
  it('embedding index and dtype checks', () => {
    const w = zeros([3, 2], { backend: fused });
    expect(() => embedding(tensor(new Int32Array([3]), { backend: fused }), w)).toThrow(IndexError);
    expect(() => embedding(tensor([0], { backend: fused }), w)).toThrow(DTypeError);
  });
  it('batchNorm shape checks', () => {
    expect(() => batchNorm(x, zeros([2], { backend: fused }), ones([3], { backend: fused }))).toThrow(
      ShapeError,
    );
    expect(() =>
      batchNorm(zeros([1, 3], { backend: fused }), null, null, null, null, { training: true }),
    ).toThrow(ValueError);
  });
  it('dropout p out of range', () => {
    expect(() => dropout(x, { p: 1.5 })).toThrow(ValueError);
  });
});
