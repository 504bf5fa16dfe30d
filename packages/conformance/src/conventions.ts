/**
 * PyTorch's conventions beyond the reference cases, so code ported from it behaves the same:
 * gradients where the derivative does not exist, and arithmetic on bool tensors.
 */
import { add, dispose, div, maximum, mul, norm, type Tensor, tensor, zeros } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { values } from './compare.js';

async function gradOf(x: Tensor, f: (x: Tensor) => Tensor): Promise<number[]> {
  const y = f(x);
  y.backward();
  const g = x.grad ? await values(x.grad) : [];
  y.dispose();
  x.dispose();
  return g;
}

export function registerConventionTests(): void {
  describe('gradient conventions at non-differentiable points', () => {
    it('the 2-norm of a zero vector has gradient 0 (PyTorch), not NaN', async () => {
      expect(await gradOf(zeros([3], { requiresGrad: true }), (x) => norm(x))).toEqual([0, 0, 0]);
    });

    it('the 2-norm of a zero row has gradient 0 while other rows get x / |x|', async () => {
      const x = tensor(
        [
          [0, 0],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      const g = await gradOf(x, (t) => norm(t, { dim: 1 }).sum());
      expect(g.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0, 0.6, 0.8]);
    });
  });

  describe('bool arithmetic (PyTorch 1.13)', () => {
    it('add is logical or and mul logical and, both bool; with numbers or ints they count', async () => {
      const a = tensor([true, true, false, false]);
      const b = tensor([true, false, true, false]);
      const i = tensor([1, 2, 3, 4], { dtype: 'int32' });
      const results: [Tensor, string, number[]][] = [
        [add(a, b), 'bool', [1, 1, 1, 0]],
        [mul(a, b), 'bool', [1, 0, 0, 0]],
        [maximum(a, b), 'bool', [1, 1, 1, 0]],
        [add(a, 1), 'int32', [2, 2, 1, 1]],
        [add(a, i), 'int32', [2, 3, 3, 4]],
        [mul(a, i), 'int32', [1, 2, 0, 0]],
        [div(a, 2), 'float32', [0.5, 0.5, 0, 0]],
        [add(a, 0.5), 'float32', [1.5, 1.5, 0.5, 0.5]],
      ];
      try {
        for (const [t, dtype, want] of results) {
          expect(t.dtype).toBe(dtype);
          expect(await values(t)).toEqual(want);
        }
      } finally {
        dispose([a, b, i, ...results.map(([t]) => t)]);
      }
    });
  });
}
