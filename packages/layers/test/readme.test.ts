import { cpu } from '@nn/backend-cpu';
import { crossEntropy } from '@nn/losses';
import { Adam } from '@nn/optim';
import { dispose, listBackends, manualSeed, randn, registerBackend, tensor, tidy, use } from '@nn/tensor';
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

it('the README "coming from PyTorch" loop trains after model.to() without a tidy', async () => {
  const { wasm } = await import('@nn/backend-wasm');
  if (!listBackends().includes('wasm')) registerBackend(await wasm());
  manualSeed(0);
  const model = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  model.to('wasm');
  const x = randn([32, 4], { backend: 'wasm' });
  const y = tensor(
    new Int32Array(32).map((_, i) => i % 3),
    { backend: 'wasm' },
  );
  const losses: number[] = [];
  for (let step = 0; step < 50; step++) {
    opt.zeroGrad();
    const loss = crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    if (step % 10 === 0) losses.push(await loss.item());
  }
  expect(model.parameters().every((p) => p.backend.name === 'wasm')).toBe(true);
  expect(losses[4]).toBeLessThan(losses[0] * 0.9);
  opt.dispose();
  dispose([...model.parameters(), x, y]);
});
