import { gradcheck, installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import {
  DTypeError,
  IndexError,
  manualSeed,
  memory,
  rand,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  use,
  ValueError,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bceLoss,
  bceWithLogitsLoss,
  CrossEntropyLoss,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  l1Penalty,
  l2Penalty,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from '../src/index.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
  manualSeed(7);
});

async function expectGrad(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Promise<void> {
  const r = await gradcheck(fn, inputs);
  expect(r.ok, r.message).toBe(true);
}

describe('gradcheck of every loss', () => {
  const idx = () => tensor(new Int32Array([0, 2, 1, 2]), { dtype: 'int32' });
  it('regression losses', async () => {
    const x = randn([3, 4], { requiresGrad: true });
    const t = randn([3, 4], { requiresGrad: true });
    await expectGrad((a, b) => mseLoss(a, b), [x, t]);
    await expectGrad((a, b) => l1Loss(a, b, { reduction: 'sum' }), [x, t]);
    await expectGrad((a, b) => smoothL1Loss(a, b, { beta: 0.5 }), [x, t]);
    await expectGrad((a, b) => huberLoss(a, b, { delta: 0.7, reduction: 'none' }), [x, t]);
  });
  it('cross entropy and NLL', async () => {
    const x = randn([4, 3], { requiresGrad: true });
    const w = tensor([0.2, 1, 2]);
    await expectGrad((a) => crossEntropy(a, idx()), [x]);
    await expectGrad((a) => crossEntropy(a, idx(), { weight: w, labelSmoothing: 0.2, ignoreIndex: 1 }), [x]);
    await expectGrad((a) => nllLoss(a, idx(), { reduction: 'sum' }), [x]);
    const probs = rand([4, 3], { requiresGrad: true });
    await expectGrad((a, p) => crossEntropy(a, p, { labelSmoothing: 0.1 }), [x, probs]);
    const spatial = randn([2, 3, 2, 2], { requiresGrad: true });
    await expectGrad(
      (a) => crossEntropy(a, tensor(new Int32Array([0, 1, 2, 0, 1, 1, 2, 2]), { shape: [2, 2, 2] })),
      [spatial],
    );
  });
  it('binary and KL losses', async () => {
    const p = rand([3, 4], { low: 0.1, high: 0.9, requiresGrad: true });
    const t = rand([3, 4], { requiresGrad: true });
    await expectGrad((a, b) => bceLoss(a, b, { weight: tensor([1, 2, 0.5, 1]) }), [p, t]);
    const z = randn([3, 4], { requiresGrad: true });
    await expectGrad((a, b) => bceWithLogitsLoss(a, b, { posWeight: tensor([1, 3, 0.5, 2]) }), [z, t]);
    const logp = randn([3, 4], { requiresGrad: true });
    await expectGrad((a, b) => klDiv(a, b, { reduction: 'batchmean' }), [logp, p]);
    await expectGrad((a, b) => klDiv(a, b, { logTarget: true }), [logp, z]);
  });
  it('penalties', async () => {
    const a = randn([3], { requiresGrad: true });
    const b = randn([2, 2], { requiresGrad: true });
    await expectGrad((x, y) => l2Penalty([x, y], 0.1), [a, b]);
    await expectGrad((x, y) => l1Penalty([x, y], 0.1), [a, b]);
  });
});

describe('numerics', () => {
  it('cross entropy and BCE with logits stay finite on huge logits', async () => {
    const x = tensor([
      [1000, -1000, 0],
      [-5000, 5000, 1],
    ]);
    const ce = await crossEntropy(x, tensor(new Int32Array([1, 1]))).item();
    expect(ce).toBeCloseTo(1000, 3);
    const b = await bceWithLogitsLoss(tensor([1000, -1000]), tensor([0, 1])).item();
    expect(b).toBeCloseTo(1000, 3);
  });
  it('BCE clamps log(0) at -100 like PyTorch', async () => {
    expect(await bceLoss(tensor([0]), tensor([1])).item()).toBeCloseTo(100, 4);
  });
  it('ignored targets contribute nothing', async () => {
    const x = randn([3, 4]);
    const all = await crossEntropy(x, tensor(new Int32Array([1, 2, -100]))).item();
    const two = await crossEntropy(x.narrow(0, 0, 2), tensor(new Int32Array([1, 2]))).item();
    expect(all).toBeCloseTo(two, 5);
  });
});

describe('bad input', () => {
  it('names the problem', () => {
    const x = randn([4, 3]);
    expect(() => mseLoss(x, randn([4]))).toThrow(ShapeError);
    expect(() => mseLoss(x, randn([4, 3]), { reduction: 'avg' as never })).toThrow(/reduction must be/);
    // Float class labels: the error names the fix (int32 indices).
    expect(() => crossEntropy(x, tensor([0, 1, 2, 0]))).toThrow(DTypeError);
    expect(() => crossEntropy(x, tensor([0, 1, 2, 0]))).toThrow(/class labels must be int32 indices/);
    expect(() => crossEntropy(x, tensor(new Int32Array([0, 1, 2, 3])))).toThrow(IndexError);
    expect(() => crossEntropy(x, tensor(new Int32Array([0, 1, 2])))).toThrow(ShapeError);
    expect(() => crossEntropy(x, tensor(new Int32Array([0, 1, 2, 0])), { labelSmoothing: 2 })).toThrow(
      ValueError,
    );
    expect(() => crossEntropy(x, tensor(new Int32Array([0, 1, 2, 0])), { weight: tensor([1, 2]) })).toThrow(
      ShapeError,
    );
    expect(() =>
      nllLoss(tensor(new Int32Array([1, 2]), { shape: [1, 2] }), tensor(new Int32Array([0]))),
    ).toThrow(DTypeError);
    expect(() => huberLoss(x, x, { delta: 0 })).toThrow(ValueError);
    expect(() => klDiv(x, x, { reduction: 'batch' as never })).toThrow(ValueError);
    expect(() => l2Penalty([])).toThrow(ValueError);
  });
  it('bceLoss refuses probabilities outside [0, 1] and NaN, as PyTorch, creating nothing', () => {
    const t = tensor([1, 0]);
    const before = memory().numTensors;
    for (const [bad, at] of [
      [[0.5, 1.5], 'got 1.5 at flat index 1'],
      [[-0.1, 0.5], 'got -0.10000000149011612 at flat index 0'],
      [[Number.NaN, 0.5], 'got NaN at flat index 0'],
    ] as const) {
      const p = tensor([...bad]);
      expect(() => bceLoss(p, t)).toThrow(ValueError);
      expect(() => bceLoss(p, t)).toThrow(
        `bceLoss: all elements of input should be between 0 and 1 (as in PyTorch), ${at}`,
      );
      p.dispose();
    }
    expect(memory().numTensors).toBe(before);
    expect(() => bceLoss(tensor([0, 1]), t)).not.toThrow();
  });
  it('loss modules call their function', async () => {
    const x = randn([4, 3]);
    const t = tensor(new Int32Array([0, 1, 2, 0]));
    const m = new CrossEntropyLoss({ labelSmoothing: 0.1 });
    expect(await m.call(x, t).item()).toBeCloseTo(
      await crossEntropy(x, t, { labelSmoothing: 0.1 }).item(),
      6,
    );
  });
});
