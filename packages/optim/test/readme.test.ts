import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { square, sub, sum, tensor, tidy, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { Adam, clipGradNorm, OneCycleLR } from '../src/index.js';

// The README's example, kept runnable.
it('the README example converges', async () => {
  use(cpu());
  installAutograd();
  const w = tensor([0, 1, 5], { requiresGrad: true });
  const opt = new Adam([w], { lr: 0.1, weightDecay: 1e-4 });
  const sched = new OneCycleLR(opt, { maxLr: 0.5, totalSteps: 100 });
  const betas: number[] = [];
  for (let step = 0; step < 100; step++) {
    opt.zeroGrad();
    const loss = tidy(() => sum(square(sub(w, 3))));
    loss.backward();
    loss.dispose();
    clipGradNorm([w], 1.0);
    opt.step();
    sched.step();
    betas.push(opt.paramGroups[0].betas[0]);
  }
  for (const v of await w.data()) expect(Math.abs(v - 3)).toBeLessThan(0.05);
  // OneCycleLR cycles Adam's beta1 down to 0.85 and back up.
  expect(Math.min(...betas)).toBeCloseTo(0.85, 6);
  expect(betas[betas.length - 1]).toBeGreaterThan(0.94);
});
