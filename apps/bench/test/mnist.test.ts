import { describe, expect, it } from 'vitest';
import { epochOrder, loadMnist, PIXELS } from '../src/data/mnist.js';

describe('loadMnist', () => {
  const data = loadMnist();

  it('splits the 10,000 digits into 8,000 train and 2,000 test, pixels in [0, 1]', () => {
    expect(data.train.size).toBe(8000);
    expect(data.test.size).toBe(2000);
    expect(data.train.x.length).toBe(8000 * PIXELS);
    let min = Infinity;
    let max = -Infinity;
    for (const v of data.test.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const counts = new Array(10).fill(0);
    for (const y of data.train.y) counts[y]++;
    // Every class is present in a shuffled split (each has 860+ digits in the package).
    for (const c of counts) expect(c).toBeGreaterThan(500);
  });

  it('is the same split every time, and --limit takes a prefix of it', () => {
    const again = loadMnist({ limit: 100 });
    expect(again.train.size).toBe(100);
    expect(again.train.y).toEqual(data.train.y.subarray(0, 100));
    expect(again.train.x).toEqual(data.train.x.subarray(0, 100 * PIXELS));
    expect(again.test.y).toEqual(data.test.y);
  });

  it('keeps train and test disjoint', () => {
    const key = (x: Float32Array, i: number): string => x.subarray(i * PIXELS, (i + 1) * PIXELS).join(',');
    const train = new Set<string>();
    for (let i = 0; i < data.train.size; i++) train.add(key(data.train.x, i));
    let shared = 0;
    for (let i = 0; i < data.test.size; i++) if (train.has(key(data.test.x, i))) shared++;
    // The package may hold a few identical images; a split that reused digits would share thousands.
    expect(shared).toBeLessThan(5);
  });
});

describe('epochOrder', () => {
  it('permutes [0, n) reproducibly', () => {
    const o = epochOrder(1000, 7);
    expect([...o].sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
    expect(epochOrder(1000, 7)).toEqual(o);
    expect(epochOrder(1000, 8)).not.toEqual(o);
  });
});
