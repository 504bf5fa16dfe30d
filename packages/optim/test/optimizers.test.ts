import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import {
  type AdamStepArgs,
  type Backend,
  memory,
  mul,
  ShapeError,
  square,
  sub,
  sum,
  type Tensor,
  tensor,
  tidy,
  use,
  ValueError,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  clipGradNorm,
  clipGradValue,
  InverseTimeLR,
  LambdaLR,
  RMSprop,
  SGD,
} from '../src/index.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
});

function quadratic(p: Tensor, target: number): Tensor {
  return tidy(() => sum(square(sub(p, target))));
}

function train(opt: { zeroGrad(): void; step(): void }, p: Tensor, steps: number): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = quadratic(p, 3);
    loss.backward();
    loss.dispose();
    opt.step();
  }
}

describe('optimizers', () => {
  it('every optimizer brings a quadratic down to its minimum', async () => {
    const makers = [
      (p: Tensor) => new SGD([p], { lr: 0.1, momentum: 0.5 }),
      (p: Tensor) => new Adam([p], { lr: 0.1 }),
      (p: Tensor) => new AdamW([p], { lr: 0.1, weightDecay: 0 }),
      (p: Tensor) => new RMSprop([p], { lr: 0.05 }),
      (p: Tensor) => new Adagrad([p], { lr: 0.5 }),
    ];
    for (const make of makers) {
      const p = tensor([0, 1, 5], { requiresGrad: true });
      train(make(p), p, 300);
      for (const v of await p.data()) expect(Math.abs(v - 3)).toBeLessThan(0.05);
      p.dispose();
    }
  });

  it('a training loop keeps memory flat', () => {
    const p = tensor(
      [
        [0, 1],
        [2, 3],
      ],
      { requiresGrad: true },
    );
    const opt = new Adam([p], { lr: 0.01, amsgrad: true });
    train(opt, p, 5);
    const before = memory().numTensors;
    train(opt, p, 50);
    expect(memory().numTensors).toBe(before);
  });

  it('dispose frees the state tensors, and a later step starts afresh', async () => {
    const p = tensor([0, 1, 5], { requiresGrad: true });
    const fresh = tensor([0, 1, 5], { requiresGrad: true });
    const before = memory().numTensors;
    const opt = new Adam([p], { lr: 0.1, amsgrad: true });
    train(opt, p, 3);
    expect(memory().numTensors).toBe(before + 4); // exp_avg, exp_avg_sq, max_exp_avg_sq, the grad
    opt.dispose();
    expect(opt.state.size).toBe(0);
    expect(memory().numTensors).toBe(before + 1);
    // The next step is Adam's first step again: the same update a fresh optimizer makes.
    p.assign(tensor([0, 1, 5]));
    train(opt, p, 1);
    train(new Adam([fresh], { lr: 0.1, amsgrad: true }), fresh, 1);
    expect(Array.from(await p.data())).toEqual(Array.from(await fresh.data()));
  });

  it('rejects bad options with ValueError', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    expect(() => new SGD([p], { lr: -1 })).toThrow(ValueError);
    expect(() => new SGD([p], { lr: Number.NaN })).toThrow(/lr must be/);
    expect(() => new Adam([p], { betas: [0.9, 1] })).toThrow(/betas\[1\]/);
    expect(() => new Adam([p], { betas: [-0.1, 0.9] })).toThrow(ValueError);
    expect(() => new Adam([p, p])).toThrow(/more than once/);
    expect(() => new SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 })).toThrow(/more than once/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/nesterov/);
    expect(() => new RMSprop([p], { eps: -1 })).toThrow(ValueError);
    expect(() => new Adagrad([p], { lrDecay: Number.NaN })).toThrow(ValueError);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty/);
    expect(() => new SGD([tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 })).toThrow(/floating point/);
  });

  it('param groups keep their own options', async () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    const loss = tidy(() => sum(mul(a, 1)).add(sum(mul(b, 1))));
    loss.backward();
    opt.step();
    expect((await a.data())[0]).toBeCloseTo(0.9, 6);
    expect((await b.data())[0]).toBeCloseTo(0.5, 6);
    const c = tensor([1], { requiresGrad: true });
    opt.addParamGroup({ params: [c], momentum: 0.9 });
    expect(opt.paramGroups[2].momentum).toBe(0.9);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than once/);
  });

  it('stateDict round-trips and continues identically', async () => {
    const p1 = tensor([0, 1, 5], { requiresGrad: true });
    const o1 = new Adam([p1], { lr: 0.1 });
    train(o1, p1, 3);
    const sd = o1.stateDict();
    const p2 = tensor(Array.from(await p1.data()), { requiresGrad: true });
    const o2 = new Adam([p2], { lr: 0.1 });
    o2.loadStateDict(sd);
    train(o1, p1, 3);
    train(o2, p2, 3);
    expect(Array.from(await p2.data())).toEqual(Array.from(await p1.data()));
  });

  it('a bad optimizer state dict changes nothing', () => {
    const p = tensor([0, 1, 5], { requiresGrad: true });
    const o = new Adam([p], { lr: 0.1 });
    train(o, p, 1);
    const good = o.stateDict();
    const q = tensor([1, 2], { requiresGrad: true });
    const other = new Adam([q], { lr: 0.1 });
    train(other, q, 1);
    const bad = other.stateDict();
    const before = o.state.get(p);
    expect(() => o.loadStateDict(bad)).toThrow(ShapeError);
    expect(() => o.loadStateDict({ ...good, paramGroups: [] })).toThrow(ValueError);
    expect(() => o.loadStateDict({ ...good, paramGroups: [{ ...good.paramGroups[0], lr: -1 }] })).toThrow(
      ValueError,
    );
    expect(o.state.get(p)).toBe(before);
    expect(o.paramGroups[0].lr).toBe(0.1);
  });

  it('uses the backend fused Adam kernel when present', async () => {
    const base = cpu({ name: 'cpu-fused' });
    let calls = 0;
    const adamStep = (a: AdamStepArgs) => {
      calls++;
      // A plain reference implementation, so the fused path is checked against the composite one.
      const read = (t: { storage: unknown }) => t.storage as Float32Array;
      const p = Float32Array.from(read(a.p));
      const g = read(a.g);
      const m = Float32Array.from(read(a.m));
      const v = Float32Array.from(read(a.v));
      for (let i = 0; i < p.length; i++) {
        let gi = g[i];
        if (a.weightDecay && !a.decoupled) gi += a.weightDecay * p[i];
        if (a.decoupled) p[i] *= 1 - a.lr * a.weightDecay;
        m[i] = a.beta1 * m[i] + (1 - a.beta1) * gi;
        v[i] = a.beta2 * v[i] + (1 - a.beta2) * gi * gi;
        const denom = Math.sqrt(v[i]) / Math.sqrt(1 - a.beta2 ** a.step) + a.eps;
        p[i] -= (a.lr / (1 - a.beta1 ** a.step)) * (m[i] / denom);
      }
      return { p, m, v };
    };
    const fusedBackend: Backend = { ...base, fused: { ...base.fused, adamStep } };
    use(fusedBackend);
    try {
      const p = tensor([0, 1, 5], { requiresGrad: true });
      train(new Adam([p], { lr: 0.1 }), p, 5);
      expect(calls).toBe(5);
      use(cpu());
      const q = tensor([0, 1, 5], { requiresGrad: true });
      train(new Adam([q], { lr: 0.1 }), q, 5);
      const got = Array.from(await p.data());
      const want = Array.from(await q.data());
      for (const [i, x] of got.entries()) expect(x).toBeCloseTo(want[i], 5);
    } finally {
      use(cpu());
    }
  });
});

describe('schedulers beyond the reference cases', () => {
  it('InverseTimeLR gives lr0 / (1 + decay t)', () => {
    const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 1 });
    const s = new InverseTimeLR(opt, { decay: 0.5 });
    const lrs = [opt.paramGroups[0].lr];
    for (let i = 0; i < 3; i++) {
      s.step();
      lrs.push(opt.paramGroups[0].lr);
    }
    expect(lrs).toEqual([1, 1 / 1.5, 1 / 2, 1 / 2.5]);
  });

  it('LambdaLR multiplies the base lr', () => {
    const opt = new SGD([tensor([1], { requiresGrad: true })], { lr: 0.2 });
    const s = new LambdaLR(opt, (e) => 0.5 ** e);
    s.step();
    s.step();
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.05, 12);
    expect(s.getLastLr()).toEqual([opt.paramGroups[0].lr]);
  });
});

describe('clipping', () => {
  it('clipGradNorm returns the total norm and scales gradients', async () => {
    const p = tensor([3, 4], { requiresGrad: true });
    const loss = tidy(() => sum(mul(p, p)).mul(0.5));
    loss.backward();
    const total = clipGradNorm([p], 1);
    expect(await total.item()).toBeCloseTo(5, 5);
    const g = Array.from(await (p.grad as Tensor).data());
    expect(g[0]).toBeCloseTo(0.6, 5);
    expect(g[1]).toBeCloseTo(0.8, 5);
    clipGradValue([p], 0.7);
    expect(Array.from(await (p.grad as Tensor).data())[1]).toBeCloseTo(0.7, 6);
    expect(() => clipGradNorm([p], -1)).toThrow(ValueError);
    expect(() => clipGradValue([p], Number.NaN)).toThrow(ValueError);
  });
});
