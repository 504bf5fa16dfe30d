import { cpu } from '@nn/backend-cpu';
import { tensor, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { gradcheck, installAutograd, noGrad } from '../src/index.js';

// The README's example, kept runnable: each printed value it claims is asserted here.
it('the README example prints what it says', async () => {
  use(cpu());
  installAutograd();
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward();
  expect(x.grad?.toString()).toBe('tensor([2., 4., 6.])');
  const frozen = noGrad(() => x.mul(2));
  expect(frozen.requiresGrad).toBe(false);
  const report = await gradcheck((a) => a.tanh().mul(a), [tensor([0.3, -0.5], { requiresGrad: true })]);
  expect(report.ok).toBe(true);
  expect(report.message).toMatch(/^gradcheck passed in float64/);
});
