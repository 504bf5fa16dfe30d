import { cpu } from '@nn/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { linspace, manualSeed, randLike, randnLike, randperm, use, ValueError, zeros } from '../src/index.js';

beforeAll(() => {
  use(cpu());
});

describe('creation functions no other suite reaches', () => {
  it('linspace hits both endpoints exactly and spaces evenly', async () => {
    expect(Array.from(await linspace(0, 1, 5).data())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(await linspace(-3, 3, 1).data())).toEqual([-3]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    const v = await linspace(0.1, 0.7, 7, { dtype: 'float64' }).data();
    expect(v[6]).toBe(0.7);
    expect(() => linspace(0, 1, -1)).toThrow(ValueError);
  });

  it('randperm is a seeded permutation of 0..n-1', async () => {
    manualSeed(7);
    const a = Array.from(await randperm(50).data());
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    manualSeed(7);
    expect(Array.from(await randperm(50).data())).toEqual(a);
    expect(randperm(3).dtype).toBe('int32');
    expect(() => randperm(1.5)).toThrow(ValueError);
  });

  it('randLike / randnLike take shape and dtype from their argument', async () => {
    const x = zeros([3, 4], { dtype: 'float64' });
    manualSeed(1);
    const u = randLike(x);
    expect(u.shape).toEqual([3, 4]);
    expect(u.dtype).toBe('float64');
    for (const v of await u.data()) expect(v >= 0 && v < 1).toBe(true);
    const n = randnLike(x, { dtype: 'float32' });
    expect(n.dtype).toBe('float32');
    expect(n.shape).toEqual([3, 4]);
    manualSeed(1);
    expect(Array.from(await randLike(x).data())).toEqual(Array.from(await u.data()));
  });
});
