import { cpu } from '@nn/backend-cpu';
import { matmul, tensor, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { grad, gradcheck, installAutograd, noGrad } from '../src/index.js';

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

it('the README example of gradients of gradients prints what it says', () => {
  use(cpu());
  installAutograd();
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const [dx] = grad(x.pow(3).sum(), x, { createGraph: true });
  const [ddx] = grad(dx.sum(), x);
  expect(ddx.toString()).toBe('tensor([ 6., 12., 18.])');
  const A = tensor([
    [1, 0.5],
    [-0.5, 2],
  ]);
  const w = tensor([0.1, -0.2], { requiresGrad: true });
  const [g] = grad(matmul(A, w).tanh().sum(), w, { createGraph: true });
  const [hv] = grad(g.mul(tensor([1, 0])).sum(), w);
  expect(hv.shape).toEqual([2]);
  // H v = Aᵀ diag(-2 t (1 - t²)) A v, t = tanh(A w), v = e₁.
  const t = [1 * 0.1 + 0.5 * -0.2, -0.5 * 0.1 + 2 * -0.2].map(Math.tanh);
  const d = [1, -0.5].map((av, i) => -2 * t[i] * (1 - t[i] ** 2) * av);
  const want = [1 * d[0] - 0.5 * d[1], 0.5 * d[0] + 2 * d[1]];
  for (const [i, v] of hv.dataSync().entries()) expect(v).toBeCloseTo(want[i], 5);
});
