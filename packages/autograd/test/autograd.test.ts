import { cpu } from '@nn/backend-cpu';
import {
  AutogradError,
  cumprod,
  cumsum,
  flip,
  memory,
  ones,
  registerBackend,
  roll,
  ShapeError,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradcheck, installAutograd, noGrad } from '../src/index.js';

beforeAll(() => {
  registerBackend(cpu());
  setBackend('cpu');
  installAutograd();
});

const values = (t: Tensor | null) => Array.from(t!.dataSync());

describe('backward', () => {
  it('computes gradients of a small expression', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum(); // dy/dx = 2x
    y.backward();
    expect(values(x.grad)).toEqual([2, 4, 6]);
  });

  it('accumulates into .grad across calls until zeroGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('sums gradients over every path through the graph', () => {
    const x = tensor([2], { requiresGrad: true });
    const a = x.mul(x);
    const y = a.add(a.mul(x)).sum(); // x^2 + x^3 -> 2x + 3x^2 = 16
    y.backward();
    expect(values(x.grad)).toEqual([16]);
  });

  it('undoes broadcasting', () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const b = tensor([10, 20, 30], { requiresGrad: true });
    a.mul(b).sum().backward();
    expect(values(b.grad)).toEqual([5, 7, 9]);
    expect(values(a.grad)).toEqual([10, 20, 30, 10, 20, 30]);
  });

  it('takes an explicit gradient for non-scalar outputs and refuses to guess one', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrowError(AutogradError);
    expect(() => y.backward(tensor([1, 1, 1]))).toThrowError(ShapeError);
    y.backward(tensor([1, 10]));
    expect(values(x.grad)).toEqual([2, 20]);
  });

  it('refuses a second backward through a freed graph, allows it with retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(() => y.backward()).toThrowError(/second time/);
  });

  it('records nothing under noGrad and cuts the graph at detach', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = x.mul(2).detach();
    expect(z.requiresGrad).toBe(false);
    expect(() => z.sum().backward()).toThrowError(AutogradError);
  });

  it('rejects requiresGrad on integer tensors', () => {
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrowError(/only floating point/);
  });

  it('leaves no tensor or byte behind after forward, backward and disposal', () => {
    const w = tensor(
      [
        [0.5, -0.25],
        [1, 2],
      ],
      { requiresGrad: true },
    );
    const before = memory();
    for (let i = 0; i < 50; i++) {
      tidy(() => {
        const loss = ones([3, 2]).matmul(w).relu().softmax(1).log().mean().neg();
        loss.backward();
        w.zeroGrad();
      });
    }
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('keeps saved tensors alive when tidy frees the forward pass before backward', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const loss = tidy(() => x.mul(2).exp().sum());
    loss.backward();
    expect(values(x.grad).map((v) => Math.round(v))).toEqual([15, 109, 807]);
    loss.dispose();
  });
});

describe('gradcheck', () => {
  it('passes a correct rule and fails a wrong one', async () => {
    const x = tensor([0.3, -0.7, 1.2], { requiresGrad: true });
    expect((await gradcheck((a) => a.mul(a).tanh(), [x])).ok).toBe(true);
    // detach() hides a dependency, so the analytic gradient is wrong
    const bad = await gradcheck((a) => a.mul(a.detach()), [x]);
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/analytic/);
  });
});

describe('rules of the scan and reorder ops', () => {
  it("cumprod through zeros gives PyTorch's exact gradient", async () => {
    const x = tensor([2, 0, 3, 0, 5], { requiresGrad: true });
    cumprod(x, 0).sum().backward();
    // d/dx_k of sum_j prod_{i<=j} x_i: only products without another zero survive.
    expect(Array.from(await x.grad!.data())).toEqual([1, 8, 0, 0, 0]);
  });

  it('cumsum, flip and roll send the gradient back through their inverse order', async () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const w = tensor([1, 10, 100, 1000]);
    cumsum(x, 0).mul(w).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([1111, 1110, 1100, 1000]);
    x.zeroGrad();
    flip(x, 0).mul(w).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([1000, 100, 10, 1]);
    x.zeroGrad();
    roll(x, 1).mul(w).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([10, 100, 1000, 1]);
  });
});
