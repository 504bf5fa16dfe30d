/**
 * Ops that do in one node (and, where the backend has the kernel, one pass) what a chain of
 * primitive ops does, against that chain on the backend under test: the same values and the same
 * gradients, whichever path the backend takes. Shapes cross the GEMM's block edges and include
 * empty dims; layouts include a transposed weight and a strided input.
 */

import type { Tensor } from '@nn/tensor';
import * as nn from '@nn/tensor';
import { convActivation, crossEntropyIndex, linearActivation } from '@nn/tensor/internal';
import { describe, expect, it } from 'vitest';
import { closeMismatch, values } from './compare.js';
import { rng } from './oracle.js';

const TOL = { rtol: 1e-5, atol: 1e-5 };

function randomTensor(shape: number[], seed: number, requiresGrad = true): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return nn.tensor(
    Float32Array.from({ length: n }, () => r() * 2 - 1),
    { shape, requiresGrad },
  );
}

async function expectClose(got: Tensor | null, want: Tensor | null, what: string): Promise<void> {
  expect(got === null, `${what}: one gradient is missing`).toBe(want === null);
  if (!got || !want) return;
  expect(got.shape, what).toEqual(want.shape);
  const m = closeMismatch(await values(got), await values(want), TOL);
  expect(m, `${what}: ${m}`).toBeNull();
}

interface LinearCase {
  name: string;
  x: number[];
  out: number;
  bias: boolean;
  relu: boolean;
  /** The weight is the transpose of a [in, out] tensor (a strided view). */
  transposedWeight?: boolean;
  /** The input is a transposed view (not contiguous). */
  stridedInput?: boolean;
}

const LINEAR: LinearCase[] = [
  { name: 'MNIST MLP layer with relu', x: [64, 784], out: 128, bias: true, relu: true },
  { name: 'across every GEMM block edge', x: [130, 300], out: 1030, bias: true, relu: true },
  { name: 'no activation', x: [5, 7], out: 3, bias: true, relu: false },
  { name: 'no bias, relu', x: [9, 6], out: 11, bias: false, relu: true },
  { name: '3-d input', x: [2, 3, 5], out: 4, bias: true, relu: true },
  { name: '1-d input', x: [6], out: 5, bias: true, relu: false },
  { name: 'transposed weight view', x: [4, 6], out: 7, bias: true, relu: true, transposedWeight: true },
  { name: 'strided input', x: [6, 5], out: 3, bias: true, relu: true, stridedInput: true },
  { name: 'one output', x: [8, 5], out: 1, bias: true, relu: true },
  { name: 'empty batch', x: [0, 5], out: 3, bias: true, relu: true },
  { name: 'no input features (bias only)', x: [3, 0], out: 4, bias: true, relu: true },
];

/**
 * Runs `fused` and `plain` (each in a scope) on the same leaves and checks that their outputs and
 * every leaf's gradient of sum(y · probe) agree; with `node`, that the fused one recorded that
 * single graph node. Frees everything it made.
 */
async function agree(
  leaves: readonly Tensor[],
  fused: () => Tensor,
  plain: () => Tensor,
  probeSeed: number,
  node?: string,
): Promise<void> {
  const run = (f: () => Tensor): { y: Tensor; grads: (Tensor | null)[] } => {
    for (const t of leaves) t.zeroGrad();
    const y = nn.tidy(f);
    const probe = randomTensor([...y.shape], probeSeed, false);
    nn.tidy(() => nn.sum(nn.mul(y, probe)).backward());
    probe.dispose();
    return { y, grads: leaves.map((t) => (t.grad ? t.grad.clone() : null)) };
  };
  const a = run(fused);
  const b = run(plain);
  try {
    if (node) expect(a.y.gradFn?.name, 'one graph node').toBe(node);
    await expectClose(a.y, b.y, 'output');
    for (let i = 0; i < leaves.length; i++) await expectClose(a.grads[i], b.grads[i], `grad ${i}`);
  } finally {
    nn.dispose([a.y, b.y, ...a.grads.filter((t) => t !== null), ...b.grads.filter((t) => t !== null)]);
  }
}

async function checkLinear(c: LinearCase, seed: number): Promise<void> {
  const inF = c.x[c.x.length - 1];
  const x0 = randomTensor(c.stridedInput ? [...c.x].reverse() : c.x, seed);
  const w0 = randomTensor(c.transposedWeight ? [inF, c.out] : [c.out, inF], seed + 1);
  const b = c.bias ? randomTensor([c.out], seed + 2) : null;
  const leaves = [x0, w0, ...(b ? [b] : [])];
  const x = (): Tensor => (c.stridedInput ? nn.t(x0) : x0);
  const w = (): Tensor => (c.transposedWeight ? nn.t(w0) : w0);
  try {
    await agree(
      leaves,
      () => linearActivation(x(), w(), b, c.relu ? 'relu' : 'none'),
      () => {
        const z = nn.matmul(x(), nn.t(w()));
        const zb = b ? nn.add(z, b) : z;
        return c.relu ? nn.relu(zb) : zb;
      },
      seed + 3,
      b ? 'linear' : 'linearNoBias',
    );
  } finally {
    nn.dispose(leaves);
  }
}

interface ConvCase {
  name: string;
  rank: 1 | 2;
  x: number[];
  /** Weight [outC, inC/groups, ...kernel]. */
  w: number[];
  relu: boolean;
  options?: nn.ConvOptions;
  /** False for a first layer, whose input wants no gradient (default true). */
  inputGrad?: boolean;
}

const CONV: ConvCase[] = [
  { name: 'the bench CNN first layer, relu', rank: 2, x: [4, 1, 28, 28], w: [8, 1, 3, 3], relu: true },
  {
    name: 'a first layer: no input gradient',
    rank: 2,
    x: [5, 3, 12, 11],
    w: [8, 3, 3, 3],
    relu: true,
    options: { padding: 1 },
    inputGrad: false,
  },
  {
    name: 'no input gradient, no activation',
    rank: 2,
    x: [3, 1, 9, 9],
    w: [4, 1, 3, 3],
    relu: false,
    inputGrad: false,
  },
  { name: 'the bench CNN second layer, relu', rank: 2, x: [3, 8, 13, 13], w: [16, 8, 3, 3], relu: true },
  { name: 'no activation', rank: 2, x: [2, 3, 6, 5], w: [4, 3, 2, 3], relu: false },
  {
    name: 'stride, padding, dilation, groups',
    rank: 2,
    x: [2, 4, 9, 8],
    w: [6, 2, 3, 2],
    relu: true,
    options: { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 },
  },
  {
    name: "padding 'same'",
    rank: 2,
    x: [1, 2, 5, 6],
    w: [3, 2, 4, 3],
    relu: true,
    options: { padding: 'same' },
  },
  { name: 'conv1d', rank: 1, x: [3, 4, 10], w: [5, 4, 3], relu: true, options: { padding: 1 } },
  { name: 'unbatched', rank: 2, x: [2, 5, 5], w: [3, 2, 3, 3], relu: true },
];

async function checkConv(c: ConvCase, seed: number): Promise<void> {
  const x = randomTensor(c.x, seed, c.inputGrad ?? true);
  const w = randomTensor(c.w, seed + 1);
  const b = randomTensor([c.w[0]], seed + 2);
  const leaves = c.inputGrad === false ? [w, b] : [x, w, b];
  const options = c.options ?? {};
  const conv = c.rank === 2 ? nn.conv2d : nn.conv1d;
  try {
    await agree(
      leaves,
      () => convActivation(c.rank, x, w, b, options, c.relu ? 'relu' : 'none'),
      () => {
        const z = nn.add(conv(x, w, null, options), nn.reshape(b, [c.w[0], ...Array(c.rank).fill(1)]));
        return c.relu ? nn.relu(z) : z;
      },
      seed + 3,
    );
  } finally {
    nn.dispose([x, w, b]);
  }
}

interface CrossEntropyCase {
  name: string;
  rows: number;
  classes: number;
  reduction: nn.LossReduction;
  ignoreIndex: number;
  /** Targets: a class per row (ignoreIndex for ignored rows). */
  targets: (rows: number, classes: number) => number[];
}

const cycle = (rows: number, classes: number): number[] =>
  Array.from({ length: rows }, (_, i) => (i * 7) % classes);

const CROSS_ENTROPY: CrossEntropyCase[] = [
  { name: 'MNIST batch, mean', rows: 64, classes: 10, reduction: 'mean', ignoreIndex: -100, targets: cycle },
  { name: 'sum', rows: 5, classes: 3, reduction: 'sum', ignoreIndex: -100, targets: cycle },
  { name: 'none', rows: 6, classes: 4, reduction: 'none', ignoreIndex: -100, targets: cycle },
  {
    name: 'ignored rows, mean over the rest',
    rows: 6,
    classes: 4,
    reduction: 'mean',
    ignoreIndex: 2,
    targets: (r, c) => cycle(r, c),
  },
  {
    name: 'ignored rows, none',
    rows: 5,
    classes: 3,
    reduction: 'none',
    ignoreIndex: -1,
    targets: (r) => Array.from({ length: r }, (_, i) => (i % 2 ? -1 : i % 3)),
  },
  {
    name: 'one class',
    rows: 3,
    classes: 1,
    reduction: 'mean',
    ignoreIndex: -100,
    targets: (r) => Array(r).fill(0),
  },
  { name: 'empty batch, sum', rows: 0, classes: 4, reduction: 'sum', ignoreIndex: -100, targets: cycle },
];

/** The same loss from primitives: logSoftmax, a gather of the targets, the reduction. */
function crossEntropyPlain(x: Tensor, target: Tensor, c: CrossEntropyCase): Tensor {
  const keep = nn.ne(target, c.ignoreIndex);
  const safe = nn.where(keep, target, 0);
  const w = nn.cast(keep, 'float32');
  const picked = nn.reshape(nn.gather(nn.logSoftmax(x, 1), 1, nn.unsqueeze(safe, 1)), [c.rows]);
  const loss = nn.neg(nn.mul(picked, w));
  if (c.reduction === 'none') return loss;
  if (c.reduction === 'sum') return nn.sum(loss);
  return nn.div(nn.sum(loss), nn.sum(w));
}

async function checkCrossEntropy(c: CrossEntropyCase, seed: number): Promise<void> {
  // Logits up to ±12: a confident row has a tiny loss whose digits must survive.
  const r = rng(seed);
  const x = nn.tensor(
    Float32Array.from({ length: c.rows * c.classes }, () => (r() * 2 - 1) * 12),
    {
      shape: [c.rows, c.classes],
      requiresGrad: true,
    },
  );
  const target = nn.tensor(Int32Array.from(c.targets(c.rows, c.classes)), { dtype: 'int32' });
  try {
    await agree(
      [x],
      () => crossEntropyIndex(x, target, c.ignoreIndex, c.reduction),
      () => crossEntropyPlain(x, target, c),
      seed + 1,
      'crossEntropy',
    );
  } finally {
    nn.dispose([x, target]);
  }
}

export function registerFusedTests(): void {
  describe('fused ops agree with their composites', () => {
    LINEAR.forEach((c, i) => {
      it(`linear: ${c.name}`, () => checkLinear(c, 100 + 10 * i));
    });
    CONV.forEach((c, i) => {
      it(`conv + bias + activation: ${c.name}`, () => checkConv(c, 300 + 10 * i));
    });
    it('a Conv2d layer and the ReLU after it record one node where the backend has the epilogue', () => {
      const x = nn.randn([2, 3, 6, 6]);
      const w = nn.randn([4, 3, 3, 3], { requiresGrad: true });
      const b = nn.randn([4], { requiresGrad: true });
      const y = convActivation(2, x, w, b, {}, 'relu');
      const fused = !!(x.backend.fused?.conv2d && x.backend.fused.conv2dBias);
      expect(y.gradFn?.name).toBe(fused ? 'conv2dBias' : 'relu');
      nn.dispose([x, w, b, y]);
    });
    CROSS_ENTROPY.forEach((c, i) => {
      it(`crossEntropy: ${c.name}`, () => checkCrossEntropy(c, 500 + 10 * i));
    });
    it('crossEntropy of only ignored rows is NaN for mean, 0 for sum, as PyTorch', async () => {
      const x = nn.randn([3, 4]);
      const t = nn.tensor(Int32Array.from([-100, -100, -100]), { dtype: 'int32' });
      const mean = crossEntropyIndex(x, t, -100, 'mean');
      const total = crossEntropyIndex(x, t, -100, 'sum');
      expect(Number.isNaN((await values(mean))[0])).toBe(true);
      expect(await values(total)).toEqual([0]);
      nn.dispose([x, t, mean, total]);
    });
    it('crossEntropy refuses a target out of range (IndexError naming it) and keeps nothing', async () => {
      const x = nn.randn([3, 4], { requiresGrad: true });
      const t = nn.tensor(Int32Array.from([1, 7, 0]), { dtype: 'int32' });
      const refusal = new nn.IndexError('crossEntropy: target 7 is out of bounds for 4 classes');
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const before = nn.memory();
        let y: Tensor;
        try {
          y = crossEntropyIndex(x, t, -100, reduction);
        } catch (e) {
          expect(e).toEqual(refusal);
          expect(nn.memory()).toEqual(before);
          continue;
        }
        // A backend whose indices live on a device (no kernel of its own here) reports at the read.
        expect(x.backend.readSync).toBeUndefined();
        await expect(y.data()).rejects.toThrow(nn.IndexError);
        y.dispose();
      }
      nn.dispose([x, t]);
    });
    it('linear + relu keeps NaN and zeroes negatives, as relu does', async () => {
      const x = nn.tensor([[Number.NaN], [-2], [3], [0]]);
      const w = nn.tensor([[1]]);
      const b = nn.tensor([0.5]);
      const y = linearActivation(x, w, b, 'relu');
      const v = await values(y);
      expect(Number.isNaN(v[0])).toBe(true);
      expect(v.slice(1)).toEqual([0, 3.5, 0.5]);
      nn.dispose([x, w, b, y]);
    });
  });
}
