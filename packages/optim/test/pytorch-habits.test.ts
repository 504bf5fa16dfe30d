/**
 * PyTorch users build the optimizer, then move the model: `opt = Adam(model.parameters());
 * model.to(device)`. That used to leave the optimizer holding freed parameters that `step()`
 * skipped, so the loss never moved. Now `Module.to` moves parameters in place, the optimizer's
 * state follows them, and a step over a parameter it cannot update is a typed error.
 */
import { installAutograd } from '@nn/autograd';
import { Linear, ReLU, Sequential } from '@nn/layers';
import {
  BackendError,
  DisposedError,
  getBackend,
  manualSeed,
  type Tensor,
  tensor,
  UnknownOptionError,
  use,
  zeros,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, testBackends } from '../../../vitest.backends.js';
import { Adam, SGD, StepLR } from '../src/index.js';

const found = await testBackends();
const cpuBackend = found.find((b) => b.name === 'cpu')?.backend;
if (!cpuBackend) throw new Error('cpu backend missing');
const cpu = cpuBackend;

/** Mean squared error from tensor ops (@nn/losses depends on this package's tests, not the reverse). */
function mseLoss(pred: Tensor, target: Tensor): Tensor {
  const d = pred.sub(target);
  return d.mul(d).mean();
}

function data(): [Tensor, Tensor] {
  const x = tensor([
    [0, 1],
    [1, 0],
    [1, 1],
    [0, 0],
  ]);
  const y = tensor([[1], [-1], [0.5], [0]]);
  return [x, y];
}

await describeEachBackend('new Adam(model.parameters()); model.to(backend); train', (target) => {
  it('trains: the loss falls, the optimizer holds the moved parameters and its state follows them', async () => {
    installAutograd();
    use(cpu);
    manualSeed(3);
    const model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 1));
    const opt = new Adam(model.parameters(), { lr: 0.05 });
    // One step on cpu first, so the optimizer has state to carry over.
    const [x0, y0] = data();
    mseLoss(model.call(x0), y0).backward();
    opt.step();
    opt.zeroGrad();

    model.to(target);
    use(getBackend(target));
    const [x, y] = data();
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) {
      opt.zeroGrad();
      const loss = mseLoss(model.call(x), y);
      loss.backward();
      opt.step();
      if (i === 0 || i === 59) losses.push(await loss.item());
    }
    expect(losses[1]).toBeLessThan(losses[0] * 0.5);
    expect(opt.paramGroups[0].params).toEqual(model.parameters());
    for (const p of model.parameters()) {
      expect(p.backendName).toBe(target);
      const s = opt.state.get(p);
      expect(s?.step).toBe(61);
      for (const v of Object.values(s ?? {})) if (typeof v !== 'number') expect(v.backendName).toBe(target);
    }
  });

  it('step() over a disposed parameter is a DisposedError, and nothing is updated', async () => {
    installAutograd();
    use(getBackend(target));
    const a = zeros([2], { requiresGrad: true });
    const b = zeros([2], { requiresGrad: true });
    const opt = new SGD([a, b], { lr: 1 });
    a.mul(1).sum().add(b.mul(1).sum()).backward();
    b.dispose();
    expect(() => opt.step()).toThrow(DisposedError);
    expect(() => opt.step()).toThrow(/SGD\.step: parameter 1 \(shape \[2\]\) was disposed/);
    expect(Array.from(await a.data())).toEqual([0, 0]);
  });
});

describe('a parameter the optimizer cannot update is a typed error', () => {
  it('a gradient on another backend than its parameter is a BackendError', () => {
    installAutograd();
    const other = found.find((b) => b.name === 'wasm')?.backend;
    if (!other) throw new Error('wasm backend missing');
    use(cpu);
    const p = zeros([2], { requiresGrad: true });
    const opt = new SGD([p], { lr: 1 });
    use(other);
    p.grad = zeros([2]);
    expect(() => opt.step()).toThrow(BackendError);
    expect(() => opt.step()).toThrow(/SGD\.step: parameter 0 .* is on 'cpu' but its gradient is on 'wasm'/);
    use(cpu);
  });
});

describe('optimizer options, as PyTorch users spell them', () => {
  it('new SGD(params, { weight_decay: 0.5 }) is an UnknownOptionError naming weightDecay (ignored before)', () => {
    installAutograd();
    use(cpu);
    const p = zeros([2], { requiresGrad: true });
    const call = () => new SGD([p], { lr: 0.1, weight_decay: 0.5 } as never);
    expect(call).toThrow(UnknownOptionError);
    expect(call).toThrow(/SGD: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
    expect(() => new Adam([p], { lr: 0.1, betas: [0.9, 0.99], beta1: 0.9 } as never)).toThrow(
      /did you mean 'betas'/,
    );
    expect(() => new Adam([{ params: [p], learning_rate: 0.1 } as never])).toThrow(
      /Adam parameter group: unknown option 'learning_rate' \(did you mean 'lr'\?\)/,
    );
    const opt = new SGD([p], { lr: 0.1 });
    expect(() => new StepLR(opt, { step_size: 2 } as never)).toThrow(/did you mean 'stepSize'/);
    expect(() => new StepLR(opt, 30 as never)).toThrow(
      /StepLR: expected an options object \{ stepSize, gamma \}/,
    );
  });
});
