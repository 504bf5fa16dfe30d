import { cpu } from '@nn/backend-cpu';
import { expect, it } from 'vitest';
import {
  arange,
  manualSeed,
  memory,
  randn,
  scaledDotProductAttention,
  startProfiler,
  tensor,
  tidy,
  use,
} from '../src/index.js';

// The README's example, kept runnable: each printed value it claims is asserted here.
it('the README example prints what it says', async () => {
  use(cpu());
  manualSeed(42);
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = arange(3).float();
  const c = a.add(b).mul(2).sum({ dim: 1 });
  expect(c.toString()).toBe('tensor([18., 36.])');
  expect(a.index(':', '::2').toString().replace(/\s+/g, ' ')).toBe('tensor([[1., 3.], [4., 6.]])');
  expect(randn([2, 2]).matmul(a).shape).toEqual([2, 3]);
  const before = memory().numTensors;
  const total = tidy(() => a.exp().log().sum());
  expect(await total.item()).toBeCloseTo(21, 4);
  expect(memory().numTensors).toBe(before + 1);
});

// The attention example of the README.
it('the README attention example runs and gives the shapes it says', async () => {
  use(cpu());
  manualSeed(0);
  const q = randn([2, 4, 5, 8]);
  const k = randn([2, 4, 7, 8]);
  const v = randn([2, 4, 7, 3]);
  const y = scaledDotProductAttention(q, k, v, { isCausal: true });
  expect(y.shape).toEqual([2, 4, 5, 3]);
  const keep = tensor([[true, true, false, false, false, false, false]]);
  const masked = scaledDotProductAttention(q, k, v, { attnMask: keep });
  // Only the first two keys take part: every output row is a mix of v's first two rows.
  const two = scaledDotProductAttention(q, k.index('...', ':2', ':'), v.index('...', ':2', ':'));
  const [a, b] = [await masked.data(), await two.data()];
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
});

it('the README profiling example prints what it says', () => {
  use(cpu());
  const x = randn([64, 32]);
  const w = randn([32, 16]);
  const prof = startProfiler();
  for (let i = 0; i < 3; i++) prof.region('step', () => tidy(() => x.matmul(w).relu().sum()));
  const report = prof.stop();
  expect(report.kernels.matmul.calls).toBe(3);
  expect(report.regions.step.calls).toBe(3);
  expect(Object.keys(report.categories)).toEqual(['kernel', 'free', 'frontend', 'outside']);
});
