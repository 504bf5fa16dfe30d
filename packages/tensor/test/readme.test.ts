import { cpu } from '@nn/backend-cpu';
import { expect, it } from 'vitest';
import { arange, manualSeed, memory, randn, tensor, tidy, use } from '../src/index.js';

// The README's example, kept runnable: each printed value it claims is asserted here.
it('the README example prints what it says', async () => {
  use(cpu());
  manualSeed(42);
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = arange(3).float();
  const c = a.add(b).mul(2).sum(1);
  expect(c.toString()).toBe('tensor([18., 36.])');
  expect(a.index(':', '::2').toString().replace(/\s+/g, ' ')).toBe('tensor([[1., 3.], [4., 6.]])');
  expect(randn([2, 2]).matmul(a).shape).toEqual([2, 3]);
  const before = memory().numTensors;
  const total = tidy(() => a.exp().log().sum());
  expect(await total.item()).toBeCloseTo(21, 4);
  expect(memory().numTensors).toBe(before + 1);
});
