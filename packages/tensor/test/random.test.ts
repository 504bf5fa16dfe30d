import { describe, expect, it } from 'vitest';
import { fillRandom, threefry2x32 } from '../src/random.js';

describe('counter-based generator', () => {
  it('is deterministic per key and counter, and keys give different streams', () => {
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    threefry2x32(1, 2, 3, 4, a);
    threefry2x32(1, 2, 3, 4, b);
    expect([...a]).toEqual([...b]);
    threefry2x32(1, 3, 3, 4, b);
    expect([...a]).not.toEqual([...b]);
  });

  it('draws uniform values in [low, high) with the right mean', () => {
    const out = new Float64Array(20000);
    fillRandom(out, { dist: 'uniform', key: [7, 0], counter: 0, a: -1, b: 3 }, false);
    let mean = 0;
    for (const v of out) {
      expect(v).toBeGreaterThanOrEqual(-1);
      expect(v).toBeLessThan(3);
      mean += v / out.length;
    }
    expect(mean).toBeCloseTo(1, 1);
  });

  it('draws normal values with the requested mean and std', () => {
    const out = new Float64Array(20000);
    fillRandom(out, { dist: 'normal', key: [9, 1], counter: 100, a: 2, b: 0.5 }, false);
    const mean = out.reduce((s, v) => s + v, 0) / out.length;
    const variance = out.reduce((s, v) => s + (v - mean) ** 2, 0) / out.length;
    expect(mean).toBeCloseTo(2, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(0.5, 1);
  });

  it('continues a stream: counters n.. give the tail of a longer draw', () => {
    const whole = new Float64Array(10);
    const tail = new Float64Array(4);
    fillRandom(whole, { dist: 'uniform', key: [5, 5], counter: 0, a: 0, b: 1 }, false);
    fillRandom(tail, { dist: 'uniform', key: [5, 5], counter: 6, a: 0, b: 1 }, false);
    expect([...tail]).toEqual([...whole.slice(6)]);
  });

  it('floors integer draws into [low, high)', () => {
    const out = new Int32Array(1000);
    fillRandom(out, { dist: 'uniform', key: [3, 3], counter: 0, a: 2, b: 5 }, true);
    expect(new Set(out)).toEqual(new Set([2, 3, 4]));
  });
});
