import { argmax, eq, sum, type Tensor, tensor, tidy } from '@nn/tensor';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/index.js';
import type { DigitSplit } from './digits.js';

/** The small CNN of the issue: conv 1→8 3×3, relu, pool 2, conv 8→16 3×3, relu, pool 2, linear 400→10. */
export function smallCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 5 * 5, 10),
  );
}

export function batch(split: DigitSplit, start: number, size: number): { x: Tensor; y: Tensor } {
  const n = Math.min(size, split.n - start);
  return {
    x: tensor(normalizePixels(split.x.subarray(start * 784, (start + n) * 784)), { shape: [n, 1, 28, 28] }),
    y: tensor(split.y.subarray(start, start + n), { dtype: 'int32' }),
  };
}

/** Fraction of correctly classified digits, in eval mode, batch by batch. */
export async function accuracy(model: Sequential, split: DigitSplit, size = 500): Promise<number> {
  model.eval();
  let correct = 0;
  for (let s = 0; s < split.n; s += size) {
    const c = tidy(() => {
      const { x, y } = batch(split, s, size);
      return sum(eq(argmax(model.call(x), { dim: 1 }), y));
    });
    correct += await c.item();
    c.dispose();
  }
  model.train();
  return correct / split.n;
}

/** The usual MNIST standardization (mean 0.1307, std 0.3081), on the host. */
function normalizePixels(px: Float32Array): Float32Array {
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) out[i] = (px[i] - 0.1307) / 0.3081;
  return out;
}
