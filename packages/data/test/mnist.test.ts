import { PlatformError, ValueError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, loadMnistArrays } from '../src/index.js';
import { importMnistDigits as browserDigits } from '../src/web/mnist-digits.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('loadMnist', () => {
  it('splits all 10,000 digits with a seeded shuffle into disjoint parts', async () => {
    const { train, test } = await loadMnistArrays({ train: 8000, test: 2000, seed: 5 });
    expect(train.n).toBe(8000);
    expect(test.n).toBe(2000);
    const counts = new Array(10).fill(0);
    for (const l of [...train.y, ...test.y]) counts[l]++;
    expect(counts.every((c) => c > 800)).toBe(true);
    expect(train.x.reduce((a, b) => Math.min(a, b))).toBe(0);
    expect(train.x.reduce((a, b) => Math.max(a, b))).toBe(1);
    const again = await loadMnistArrays({ train: 8000, test: 2000, seed: 5 });
    expect(again.test.y).toEqual(test.y);
    const other = await loadMnistArrays({ train: 8000, test: 2000, seed: 6 });
    expect(other.test.y).not.toEqual(test.y);
    // The two parts together are a permutation of the whole set: no digit is in both.
    const key = (x: Float32Array, i: number): string => x.subarray(i * 784, (i + 1) * 784).join(',');
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(key(test.x, i));
    let shared = 0;
    for (let i = 0; i < 8000; i++) if (seen.has(key(train.x, i))) shared++;
    expect(shared).toBeLessThan(5); // the set holds a handful of pixel-identical duplicates at most
  }, 60_000); // reading the 41 MB package takes ~5 s on a loaded 2-core machine

  it('shapes tensors for an MLP or a CNN', async () => {
    const mlp = await loadMnist({ train: 10, test: 5 });
    expect(mlp.train.x.shape).toEqual([10, 784]);
    expect(mlp.train.y.dtype).toBe('int32');
    const cnn = await loadMnist({ train: 10, test: 5, shape: 'cnn' });
    expect(cnn.test.x.shape).toEqual([5, 1, 28, 28]);
    await expect(loadMnist({ train: 9000, test: 2000 })).rejects.toThrow(ValueError);
  });

  it('in a browser build, says that it reads the mnist package in Node only', async () => {
    // What bundlers resolve for @nn/data (no `node` condition): the 41 MB package is never referenced.
    await expect(browserDigits()).rejects.toThrow(PlatformError);
    await expect(browserDigits()).rejects.toThrow(/'mnist' package .* Node\.js only; in a browser/);
  });
});
