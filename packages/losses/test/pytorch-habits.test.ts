/**
 * Losses as a PyTorch user writes them. A plain sigmoid + BCE classifier used to turn to NaN
 * once the sigmoid saturated (p exactly 0 or 1 in float32: 0 · ∞ in the gradient of log); float
 * class labels got a message about probability targets; `{ ignore_index: 0 }` was ignored.
 */
import { installAutograd } from '@nn/autograd';
import { Linear, Sequential, Sigmoid } from '@nn/layers';
import { SGD } from '@nn/optim';
import { DTypeError, manualSeed, randn, tensor, UnknownOptionError, ValueError } from '@nn/tensor';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../../../vitest.backends.js';
import { BCELoss, bceLoss, CrossEntropyLoss, crossEntropy, nllLoss } from '../src/index.js';

await describeEachBackend('losses, as PyTorch users write them', () => {
  it('a sigmoid + BCE classifier keeps finite weights after its outputs saturate (NaN before)', async () => {
    installAutograd();
    manualSeed(0);
    // Two separable clusters far apart: the logits grow until the sigmoid gives exactly 0 and 1.
    const signs = tensor(Array.from({ length: 64 }, (_, i) => [i < 32 ? 1 : -1]));
    const x = randn([64, 2]).add(4).mul(signs);
    const y = tensor(Array.from({ length: 64 }, (_, i) => [i < 32 ? 1 : 0]));
    const model = new Sequential(new Linear(2, 1), new Sigmoid());
    const opt = new SGD(model.parameters(), { lr: 5 });
    const loss = new BCELoss();
    let saturated = false;
    for (let step = 0; step < 300; step++) {
      opt.zeroGrad();
      const p = model.call(x);
      loss.call(p, y).backward();
      opt.step();
      if (step % 50 === 49) {
        const v = await p.data();
        saturated ||= v.some((q) => q === 0 || q === 1);
      }
    }
    expect(saturated).toBe(true);
    for (const w of model.parameters()) {
      for (const v of await w.data()) expect(Number.isFinite(v)).toBe(true);
    }
    const final = await loss.call(model.call(x), y).item();
    expect(final).toBeLessThan(0.01);
  });

  it("the gradient at p = 0 and 1 is PyTorch's (p - t) / max(p (1 - p), 1e-12)", async () => {
    installAutograd();
    const p = tensor([0, 1, 0, 1, 0.5], { requiresGrad: true });
    const t = tensor([0, 1, 1, 0, 1]);
    bceLoss(p, t, { reduction: 'sum' }).backward();
    const g = Array.from(await p.grad!.data());
    expect(g.slice(0, 2)).toEqual([0, 0]);
    expect(g[2]).toBeCloseTo(-1e12, -6);
    expect(g[3]).toBeCloseTo(1e12, -6);
    expect(g[4]).toBeCloseTo(-2, 5);
  });

  it('crossEntropy with float class labels says to pass int32 indices', () => {
    const logits = tensor([
      [2, 0.5, -1],
      [0.1, 1.5, 0.2],
    ]);
    const labels = tensor([0, 1]);
    const call = () => crossEntropy(logits, labels);
    expect(call).toThrow(DTypeError);
    expect(call).toThrow(
      /crossEntropy: class labels must be int32 indices, got a float32 target of shape \[2\] for input \[2,3\]; pass tensor\(labels, \{ dtype: 'int32' \}\) or target\.to\('int32'\)/,
    );
    expect(() => nllLoss(logits, labels)).toThrow(/nllLoss: class labels must be int32 indices/);
    const ok = crossEntropy(logits, labels.to('int32'));
    expect(ok.shape).toEqual([]);
  });

  it("{ ignore_index: 0 } and { size_average: true } are UnknownOptionErrors naming nn's key", () => {
    const logits = tensor([[2, 0.5, -1]]);
    const labels = tensor([0], { dtype: 'int32' });
    const call = () => crossEntropy(logits, labels, { ignore_index: 0 } as never);
    expect(call).toThrow(UnknownOptionError);
    expect(call).toThrow(/crossEntropy: unknown option 'ignore_index' \(did you mean 'ignoreIndex'\?\)/);
    expect(() => new CrossEntropyLoss({ label_smoothing: 0.1 } as never)).toThrow(
      /did you mean 'labelSmoothing'/,
    );
    expect(() => new BCELoss({ size_average: true } as never)).toThrow(/did you mean 'reduction'/);
    expect(() => bceLoss(tensor([0.5]), tensor([1]), 'sum' as never)).toThrow(ValueError);
  });
});
