// A view that is its source in another tensor object (expand or reshape to the same shape, a
// squeeze with nothing to drop, permute by the identity) records no node: it takes the source's
// place in the graph, and gradients flow through it unchanged.
import { cpu } from '@nn/backend-cpu';
import { expand, memory, registerBackend, reshape, setBackend, type Tensor, tensor } from '@nn/tensor';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { grad, gradgradcheck, installAutograd } from '../src/index.js';

beforeAll(() => {
  registerBackend(cpu());
  setBackend('cpu');
  installAutograd();
});

const values = (t: Tensor | null) => Array.from(t!.dataSync());

describe('identity views', () => {
  it('record no node: the view carries its source node', () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    const h = x.mul(2);
    for (const v of [
      h.expand([1, 3]),
      h.expand([-1, 3]),
      h.reshape([1, 3]),
      h.view(1, 3),
      h.squeeze([]),
      h.permute([0, 1]),
      h.flatten(1),
    ]) {
      expect(v.gradFn).toBe(h.gradFn);
      expect(v.gradFn?.name).toBe('mul:scalar');
      expect(v).not.toBe(h);
    }
    // A view that changes the shape or the order still records its node.
    expect(h.expand([2, 3]).gradFn?.name).toBe('expand');
    expect(h.reshape([3, 1]).gradFn?.name).toBe('reshape');
    const sq = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    expect(sq.permute([1, 0]).gradFn?.name).toBe('permute');
  });

  it('pass gradients through unchanged, from leaves and non-leaves, several times over', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = expand(reshape(x, [3]), [3])
      .mul(tensor([1, 10, 100]))
      .sum();
    y.backward();
    expect(values(x.grad)).toEqual([1, 10, 100]);
    const h = x.square();
    const [g] = grad(reshape(reshape(h, [3]), [3]).sum(), x);
    expect(values(g)).toEqual([2, 4, 6]);
  });

  it('stay differentiable twice and leave nothing behind when disposed', async () => {
    const before = memory();
    const x = tensor([0.5, -1], { requiresGrad: true });
    const v = x.expand([2]);
    v.dispose();
    expect(x.isDisposed).toBe(false);
    x.dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    const r = await gradgradcheck((a) => a.reshape([2]).expand([2]).tanh(), [tensor([0.5, -1])]);
    expect(r.ok).toBe(true);
  });

  it('hold for any shape: expand/reshape to the own shape adds no node and keeps the gradient', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }), (shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = tensor(
          Array.from({ length: n }, (_, i) => i),
          { shape, requiresGrad: true },
        );
        const h = x.mul(3);
        const v = reshape(expand(h, shape), shape);
        expect(v.gradFn).toBe(h.gradFn);
        v.sum().backward();
        expect(values(x.grad)).toEqual(Array(n).fill(3));
      }),
      { numRuns: 40 },
    );
  });
});
