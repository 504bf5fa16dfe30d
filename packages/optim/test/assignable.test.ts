import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { tensor, use } from '@nn/tensor';
import { expect, it } from 'vitest';
import { Adam, type Optimizer, SGD, StepLR } from '../src/index.js';

// Generic training code takes any optimizer as `Optimizer` and any scheduler can drive it.
it('every optimizer is an Optimizer and can be scheduled', () => {
  use(cpu());
  installAutograd();
  const p = tensor([1], { requiresGrad: true });
  const opts: Optimizer[] = [new SGD([p], { lr: 0.1 }), new Adam([p])];
  for (const o of opts) new StepLR(o, { stepSize: 1, gamma: 0.5 }).step();
  expect(opts.map((o) => o.paramGroups[0].lr)).toEqual([0.05, 0.0005]);
});
