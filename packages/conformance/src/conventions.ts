/**
 * Gradient conventions at points where the derivative does not exist, beyond the reference
 * cases: nn follows PyTorch's choice, so training code behaves the same.
 */
import { norm, type Tensor, tensor, zeros } from '@nn/tensor';
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
}
