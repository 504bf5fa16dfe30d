import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { randn, tensor, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { bceWithLogitsLoss, CrossEntropyLoss, l2Penalty, mseLoss } from '../src/index.js';

// The README's example, kept runnable.
it('the README example gives the numbers it claims', async () => {
  use(cpu());
  installAutograd();
  const logits = randn([4, 3], { requiresGrad: true });
  const target = tensor(new Int32Array([0, 2, 1, 2]));
  const ce = new CrossEntropyLoss({ labelSmoothing: 0.1 });
  const loss = ce.call(logits, target).add(l2Penalty([logits], 1e-4));
  loss.backward();
  expect(Number.isFinite(await loss.item())).toBe(true);
  expect(logits.grad?.shape).toEqual([4, 3]);
  expect(await mseLoss(tensor([1, 2]), tensor([1.5, 2])).item()).toBeCloseTo(0.125, 7);
  expect(await bceWithLogitsLoss(tensor([1000]), tensor([0])).item()).toBeCloseTo(1000, 3);
});
