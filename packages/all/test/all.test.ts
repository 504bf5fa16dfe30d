import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

describe('@nn/all', () => {
  it('has cpu registered and autograd on after one import', () => {
    expect(nn.listBackends()).toContain('cpu');
    expect(nn.getBackend().name).toBe('cpu');
    const x = nn.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 4, 6]);
  });

  it('trains a model with layers, losses and optimizers from the one import', () => {
    nn.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
    const opt = new nn.Adam(model.parameters(), { lr: 0.05 });
    // XOR: not linearly separable, so falling loss means the hidden layer learned.
    const x = nn.tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = nn.tensor(new Int32Array([0, 1, 1, 0]));
    const lossAt = () => nn.tidy(() => nn.crossEntropy(model.call(x), y)).itemSync();
    const before = lossAt();
    for (let i = 0; i < 200; i++) {
      nn.tidy(() => {
        opt.zeroGrad();
        nn.crossEntropy(model.call(x), y).backward();
        opt.step();
      });
    }
    expect(lossAt()).toBeLessThan(before / 4);
    // The README example prints this.
    expect(Array.from(nn.tidy(() => model.call(x).argmax({ dim: 1 })).dataSync())).toEqual([0, 1, 1, 0]);
  });
});
