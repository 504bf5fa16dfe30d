import { arange, manualSeed, memory, type Tensor, tensor, ValueError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, Dataset, randomSplit, TensorDataset } from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const rows = (t: Tensor): number[] => Array.from(t.dataSync());

describe('TensorDataset', () => {
  it('returns examples and rejects mismatched tensors', () => {
    const x = arange(0, 12).reshape(6, 2);
    const y = arange(0, 6);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.get(4);
    expect(rows(xi)).toEqual([8, 9]);
    expect(rows(yi)).toEqual([4]);
    expect(() => new TensorDataset(x, arange(0, 5))).toThrow(/same first dimension/);
    expect(() => ds.get(6)).toThrow(/out of range/);
  });
});

describe('DataLoader', () => {
  it('batches in order, keeps the last partial batch unless dropLast', () => {
    const ds = new TensorDataset(arange(0, 10), arange(10, 20));
    const batches = [...new DataLoader(ds, { batchSize: 4, disposeBatches: false })];
    expect(batches.map(([x]) => rows(x))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(rows(batches[2][1])).toEqual([18, 19]);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
  });

  it('shuffles reproducibly from the seeded generator, covering every example once per epoch', () => {
    const ds = new TensorDataset(arange(0, 50));
    const epoch = (loader: DataLoader): number[] => {
      const seen: number[] = [];
      for (const [x] of loader) seen.push(...rows(x));
      return seen;
    };
    manualSeed(7);
    const a = new DataLoader(ds, { batchSize: 8, shuffle: true });
    const first = epoch(a);
    const second = epoch(a);
    expect([...first].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(first).not.toEqual(second);
    manualSeed(7);
    expect(epoch(new DataLoader(ds, { batchSize: 8, shuffle: true }))).toEqual(first);
    const s1 = epoch(new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 }));
    const s2 = epoch(new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 }));
    expect(s1).toEqual(s2);
  });

  it('async iteration gives the same batches and frees them', async () => {
    const x = arange(0, 20).reshape(10, 2);
    const y = arange(0, 10);
    const ds = new TensorDataset(x, y);
    const before = memory().numTensors;
    const seen: number[] = [];
    for await (const [, yb] of new DataLoader(ds, { batchSize: 3, shuffle: true })) seen.push(...rows(yb));
    expect(seen.sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(memory().numTensors).toBe(before);
  });

  it('frees the batch when the loop breaks', () => {
    const ds = new TensorDataset(arange(0, 20));
    const before = memory().numTensors;
    let kept: Tensor | undefined;
    for (const [x] of new DataLoader(ds, { batchSize: 4, shuffle: true })) {
      kept = x;
      break;
    }
    expect(kept?.isDisposed).toBe(true);
    expect(memory().numTensors).toBe(before);
  });

  it('stacks examples of a plain Dataset', () => {
    class Squares extends Dataset {
      get length(): number {
        return 5;
      }
      get(i: number): Tensor[] {
        return [tensor([i, i * i]), tensor(i % 2, { dtype: 'int32' })];
      }
    }
    const [x, y] = [...new DataLoader(new Squares(), { batchSize: 5, disposeBatches: false })][0];
    expect(x.shape).toEqual([5, 2]);
    expect(rows(x)).toEqual([0, 0, 1, 1, 2, 4, 3, 9, 4, 16]);
    expect(rows(y)).toEqual([0, 1, 0, 1, 0]);
  });

  it('rejects a bad batch size', () => {
    expect(() => new DataLoader(new TensorDataset(arange(0, 3)), { batchSize: 0 })).toThrow(ValueError);
  });
});

describe('randomSplit', () => {
  it('splits by counts or fractions into disjoint subsets', () => {
    const ds = new TensorDataset(arange(0, 10));
    const [a, b] = randomSplit(ds, [0.7, 0.3], { seed: 1 });
    expect([a.length, b.length]).toEqual([7, 3]);
    const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [batch] = [...new DataLoader(b, { batchSize: 3, disposeBatches: false })][0];
    expect(rows(batch)).toEqual(Array.from(b.indices));
    expect(() => randomSplit(ds, [4, 4])).toThrow(ValueError);
  });
});
