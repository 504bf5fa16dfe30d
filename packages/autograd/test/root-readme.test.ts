import { cpu } from '@nn/backend-cpu';
import { manualSeed, randn, tensor, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { installAutograd } from '../src/index.js';

// The "Twenty lines" example of the repository README, kept runnable: what it prints is asserted.
it('the root README example prints what it says', async () => {
  use(cpu());
  installAutograd();
  manualSeed(0); // the README runs in a fresh process, where the generator starts at seed 0

  const x = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const y = tensor([[1], [0], [1]]);
  const w = randn([2, 1], { requiresGrad: true });
  const b = tensor([0], { requiresGrad: true });

  const pred = x.matmul(w).add(b).sigmoid();
  const loss = pred.sub(y).pow(2).mean();
  loss.backward();

  expect(loss.toString()).toBe('tensor(0.5083, grad_fn=<MulBackward0>)');
  expect(w.grad!.shape).toEqual([2, 1]);
  expect((await b.grad!.data()).length).toBe(1);
});
