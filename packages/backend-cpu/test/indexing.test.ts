import { cat, gather, indexSelect, scatterAdd, tensor, use, zeros } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, randValues, ravel, size, unravel, viewValues } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

describe('gather', () => {
  it('matches torch.gather semantics along each dim, on a transposed input', () => {
    const d = randValues(4 * 3 * 5, 1);
    const x = tensor(d, { shape: [5, 3, 4] }).permute(2, 1, 0); // [4, 3, 5]
    const xv = viewValues(Float32Array.from(d), x);
    const xs = [4, 3, 5];
    for (let dim = 0; dim < 3; dim++) {
      const ishape = [3, 2, 4];
      ishape[dim] = 6;
      const iv = randValues(size(ishape), dim + 10, 0, xs[dim]).map(Math.floor);
      const index = tensor(iv, { shape: ishape, dtype: 'int32' });
      const y = gather(x, dim, index);
      expect(y.shape).toEqual(ishape);
      const expected = iv.map((k, e) => {
        const idx = unravel(e, ishape);
        idx[dim] = k;
        return xv[ravel(idx, xs)];
      });
      expectClose(y.dataSync(), expected, 0, 0);
    }
  });

  it('indexSelect picks rows and columns (index read through stride 0)', () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'int32' },
    );
    expect(indexSelect(x, 1, tensor([2, 0, 2], { dtype: 'int32' })).arraySync()).toEqual([
      [3, 1, 3],
      [6, 4, 6],
    ]);
    expect(indexSelect(x, 0, tensor([1], { dtype: 'int32' })).arraySync()).toEqual([[4, 5, 6]]);
  });

  it('empty index gives an empty result', () => {
    const y = gather(tensor([1, 2, 3]), 0, tensor([], { dtype: 'int32' }));
    expect(y.dataSync().length).toBe(0);
  });
});

describe('scatterAdd', () => {
  it('adds src at the indexed positions, accumulating collisions (adjoint of gather)', () => {
    const shape = [3, 4];
    for (let dim = 0; dim < 2; dim++) {
      const ishape = [3, 4];
      ishape[dim] = 5;
      const iv = randValues(size(ishape), 3 + dim, 0, shape[dim]).map(Math.floor);
      const index = tensor(iv, { shape: ishape, dtype: 'int32' });
      const sd = randValues(6 * 6, 4);
      const src = tensor(sd, { shape: [6, 6] })
        .t()
        .narrow(0, 0, ishape[0])
        .narrow(1, 0, ishape[1]);
      const sv = viewValues(Float32Array.from(sd), src);
      const expected = new Array<number>(12).fill(0);
      iv.forEach((k, e) => {
        const idx = unravel(e, ishape);
        idx[dim] = k;
        expected[ravel(idx, shape)] += sv[e];
      });
      const y = scatterAdd(zeros(shape), dim, index, src);
      expectClose(y.dataSync(), Array.from(Float32Array.from(expected)), 1e-6, 1e-6);
    }
  });

  it('reads src beyond the index shape only where the index reaches', () => {
    const index = tensor([[0], [0]], { dtype: 'int32' });
    const src = tensor([
      [1, 100],
      [2, 200],
    ]);
    expect(Array.from(scatterAdd(zeros([1, 2]), 0, index, src).dataSync())).toEqual([3, 0]);
  });
});

describe('concat', () => {
  it('joins contiguous, transposed and broadcast parts along each axis', () => {
    const a = tensor(randValues(6, 1), { shape: [2, 3] });
    const bd = randValues(6, 2);
    const b = tensor(bd, { shape: [3, 2] }).t();
    const c = tensor([7, 8, 9], { shape: [1, 3] }).expand(2, 3);
    const av = Array.from(a.dataSync());
    const bv = viewValues(Float32Array.from(bd), b);
    const cv = [7, 8, 9, 7, 8, 9];
    const y0 = cat([a, b, c], 0);
    expect(y0.shape).toEqual([6, 3]);
    expectClose(y0.dataSync(), [...av, ...bv, ...cv], 0, 0);
    const y1 = cat([a, b, c], 1);
    expect(y1.shape).toEqual([2, 9]);
    const rows = [0, 1].flatMap((r) => [
      ...av.slice(r * 3, r * 3 + 3),
      ...bv.slice(r * 3, r * 3 + 3),
      ...cv.slice(r * 3, r * 3 + 3),
    ]);
    expectClose(y1.dataSync(), rows, 0, 0);
  });

  it('joins int32 and bool, and skips empty parts', () => {
    const y = cat([
      tensor([1, 2], { dtype: 'int32' }),
      tensor([], { dtype: 'int32' }),
      tensor([3], { dtype: 'int32' }),
    ]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(cat([tensor([true]), tensor([false, true])]).dataSync())).toEqual([1, 0, 1]);
  });
});
