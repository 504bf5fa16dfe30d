import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { crossEntropy } from '@nn/losses';
import { Adam } from '@nn/optim';
import { manualSeed, memory, tidy, use } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracy, batch, smallCnn } from './helpers/cnn.js';
import { loadDigits } from './helpers/digits.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
});

const data = loadDigits(8000, 2000, 42);

function trainStep(
  model: ReturnType<typeof smallCnn>,
  opt: Adam,
  start: number,
  size: number,
  split = data.train,
): void {
  tidy(() => {
    const { x, y } = batch(split, start, size);
    opt.zeroGrad();
    const loss = crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    return null;
  });
}

describe('small CNN on real MNIST digits', () => {
  it('reaches >= 90% test accuracy after one epoch of 8,000 digits (Adam, lr 1e-3)', async () => {
    manualSeed(1);
    const model = smallCnn();
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const t0 = performance.now();
    for (let s = 0; s < data.train.n; s += 16) trainStep(model, opt, s, 16);
    const seconds = (performance.now() - t0) / 1000;
    const acc = await accuracy(model, data.test);
    // The figure quoted in the README.
    console.log(
      `small CNN, 1 epoch of 8000 digits, batch 16: test accuracy ${(acc * 100).toFixed(2)}% on 2000 digits, ${seconds.toFixed(1)} s`,
    );
    expect(acc).toBeGreaterThanOrEqual(0.9);
  }, 300_000);

  it('keeps memory flat over 1,000 training steps', () => {
    manualSeed(2);
    const model = smallCnn();
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    trainStep(model, opt, 0, 4);
    const before = memory();
    for (let i = 1; i <= 1000; i++) trainStep(model, opt, (i * 4) % 8000, 4);
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  }, 300_000);
});
