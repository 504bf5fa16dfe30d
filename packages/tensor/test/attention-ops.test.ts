import { cpu } from '@nn/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arange,
  argsort,
  cumprod,
  cumsum,
  einsum,
  full,
  interpolate,
  manualSeed,
  maskedFill,
  memory,
  multinomial,
  randn,
  sort,
  tensor,
  tidy,
  topk,
  tril,
  use,
  ValueError,
} from '../src/index.js';

beforeAll(() => {
  use(cpu());
});

describe('sorting: dtypes, NaN and ties', () => {
  it('NaN sorts as the largest value, ties keep their order', async () => {
    const x = tensor([2, Number.NaN, 1, 2, Number.NaN, 0]);
    expect(Array.from(await argsort(x).data())).toEqual([5, 2, 0, 3, 1, 4]);
    expect(Array.from(await argsort(x, { descending: true }).data())).toEqual([1, 4, 0, 3, 2, 5]);
    const s = sort(x);
    expect(Array.from(await s.values.data())).toEqual([0, 1, 2, 2, Number.NaN, Number.NaN]);
  });

  it('sorts int32 and bool tensors exactly and keeps their dtype', async () => {
    const big = tensor(Int32Array.from([2 ** 30 + 1, -5, 2 ** 30, 7]));
    const s = sort(big, { descending: true });
    expect(s.values.dtype).toBe('int32');
    expect(Array.from(await s.values.data())).toEqual([2 ** 30 + 1, 2 ** 30, 7, -5]);
    const b = tensor([true, false, true, false]);
    expect(Array.from(await argsort(b).data())).toEqual([1, 3, 0, 2]);
  });

  it('topk of k = 0 is empty; of a 0-d tensor is the tensor', async () => {
    const t = topk(randn([3, 4]), 0);
    expect(t.values.shape).toEqual([3, 0]);
    expect(t.indices.dtype).toBe('int32');
    const s = topk(tensor(3), 1);
    expect(await s.values.item()).toBe(3);
    expect(await s.indices.item()).toBe(0);
  });
});

describe('running sums and products', () => {
  it('integers and bools accumulate as int32; dtype casts first', async () => {
    const c = cumsum(tensor([true, false, true, true]), 0);
    expect(c.dtype).toBe('int32');
    expect(Array.from(await c.data())).toEqual([1, 1, 2, 3]);
    expect(Array.from(await cumprod(arange(1, 6), 0).data())).toEqual([1, 2, 6, 24, 120]);
    expect(cumsum(arange(0, 3), 0, { dtype: 'float32' }).dtype).toBe('float32');
  });
});

describe('einsum beyond the reference cases', () => {
  it('implicit output sorts labels with capitals first, and size-1 dims broadcast', async () => {
    expect(einsum('bA,c', randn([3, 2]), randn([4])).shape).toEqual([2, 3, 4]);
    expect(einsum('ij,ij->ij', randn([1, 3]), randn([2, 3])).shape).toEqual([2, 3]);
    expect(einsum('...ij,jk->ik', randn([2, 3, 4]), randn([4, 5])).shape).toEqual([3, 5]);
    expect(einsum('bij,bjk->bik', randn([1, 2, 3]), randn([4, 3, 5])).shape).toEqual([4, 2, 5]);
  });

  it('matches a loop for a three-operand bilinear form', async () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const w = tensor([
      [1, 0, 2],
      [0, 1, -1],
    ]);
    const b = tensor([
      [1, 1, 1],
      [2, 0, 1],
    ]);
    // out[n] = sum_ij a[n,i] w[i,j] b[n,j]: a·w = [1, 2, 0] and [3, 4, 2]
    expect(Array.from(await einsum('ni,ij,nj->n', a, w, b).data())).toEqual([3, 8]);
  });
});

describe('masking keeps the input dtype', () => {
  it('maskedFill of int and bool tensors', async () => {
    const m = tensor([true, false, true]);
    const i = maskedFill(arange(0, 3), m, 9);
    expect(i.dtype).toBe('int32');
    expect(Array.from(await i.data())).toEqual([9, 1, 9]);
    const b = maskedFill(tensor([false, false, false]), m, 1);
    expect(Array.from(await b.data())).toEqual([1, 0, 1]);
    expect(Array.from(await tril(full([2, 3], 1, { dtype: 'bool' })).data())).toEqual([1, 0, 0, 1, 1, 0]);
  });
});

describe('interpolate: PyTorch index rules', () => {
  it("legacy 'nearest' uses the float32 scale 1 / scaleFactor", async () => {
    const x = arange(0, 5).float().reshape(1, 1, 5);
    // floor(o * fround(1 / 1.7)) for o = 0..7, capped at 4
    expect(Array.from(await interpolate(x, { scaleFactor: 1.7 }).data())).toEqual([0, 0, 1, 1, 2, 2, 3, 4]);
  });
});

describe('multinomial', () => {
  it('is reproducible under a seed and draws distinct categories without replacement', async () => {
    const w = tensor([
      [1, 2, 3, 4],
      [4, 0, 0, 1],
    ]);
    manualSeed(11);
    const a = Array.from(await multinomial(w, 2).data());
    manualSeed(11);
    const b = Array.from(await multinomial(w, 2).data());
    expect(a).toEqual(b);
    expect(a[0]).not.toBe(a[1]);
    expect([a[2], a[3]].sort()).toEqual([0, 3]);
  });

  it('follows the weights with replacement and never picks a zero weight', async () => {
    manualSeed(1);
    const w = tensor([0.1, 0, 0.6, 0.3]);
    const draws = await multinomial(w, 20000, { replacement: true }).data();
    const counts = [0, 0, 0, 0];
    for (const d of draws) counts[d]++;
    expect(counts[1]).toBe(0);
    // 4 standard deviations of a binomial count.
    [0.1, 0, 0.6, 0.3].forEach((p, k) => {
      expect(Math.abs(counts[k] - 20000 * p)).toBeLessThan(4 * Math.sqrt(20000 * p * (1 - p)) + 1);
    });
  });

  it('rejects invalid weights on backends that read them, leaving memory as it was', () => {
    const before = memory().numTensors;
    tidy(() => {
      expect(() => multinomial(tensor([1, -1, 2]), 1)).toThrow(/finite and >= 0, got -1/);
      expect(() => multinomial(tensor([0, 0]), 1)).toThrow(/sums to 0/);
      expect(() => multinomial(tensor([1, 0, 0]), 2)).toThrow(ValueError);
      expect(() => multinomial(tensor([1, Number.NaN]), 1, { replacement: true })).toThrow(/NaN/);
    });
    expect(memory().numTensors).toBe(before);
  });
});
