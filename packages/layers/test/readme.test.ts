import { cpu } from '@nn/backend-cpu';
import { crossEntropy } from '@nn/losses';
import { Adam } from '@nn/optim';
import { manualSeed, randn, tensor, tidy, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../src/index.js';

// The README's example, kept runnable: it must train without an explicit installAutograd().
it('the README example trains and round-trips its state dict', async () => {
  use(cpu());
  manualSeed(0);
  const model = new Sequential(
    new Conv2d(1, 8, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 5 * 5, 10),
  );
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([16, 1, 28, 28]);
  const y = tensor(new Int32Array(16).map((_, i) => i % 10));
  const lossAt = () => tidy(() => crossEntropy(model.call(x), y)).item();
  const first = await lossAt();
  for (let step = 0; step < 10; step++) {
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(model.call(x), y).backward();
      opt.step();
      return null;
    });
  }
  expect(await lossAt()).toBeLessThan(first);
  const saved = model.stateDict();
  expect(Object.keys(saved)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias']);
  model.loadStateDict(saved);
});
