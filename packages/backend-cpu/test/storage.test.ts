import type { TypedArray } from '@nn/tensor';
import { full, getBackend, manualSeed, rand, randint, randn, tensor, use } from '@nn/tensor';
import { fillRandom } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

describe('the backend object', () => {
  it('declares its name, dtypes and host memory', () => {
    const b = cpu();
    expect(b.name).toBe('cpu');
    expect(cpu({ name: 'cpu2' }).name).toBe('cpu2');
    expect([...b.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32']);
    expect(b.hostMemory).toBe(true);
    expect(typeof b.readSync).toBe('function');
  });

  it('upload copies, read/readSync return copies of the right type', async () => {
    const b = cpu();
    const src = new Float32Array([1, 2, 3]);
    const s = b.upload(src, 'float32');
    src[0] = 99;
    const r = b.readSync!(s, 'float32', 3);
    expect(r).toBeInstanceOf(Float32Array);
    expect(Array.from(r)).toEqual([1, 2, 3]);
    r[1] = 42;
    expect(Array.from(await b.read(s, 'float32', 3))).toEqual([1, 2, 3]);
    const bools = b.upload(new Uint8Array([0, 1, 1]), 'bool');
    expect(b.readSync!(bools, 'bool', 3)).toBeInstanceOf(Uint8Array);
    expect(b.readSync!(b.upload(new Int32Array([5]), 'int32'), 'int32', 1)).toBeInstanceOf(Int32Array);
    expect(b.readSync!(b.upload(new Float64Array([0.1]), 'float64'), 'float64', 1)[0]).toBe(0.1);
  });

  it('counts bytes of live storage and forgets freed storage', () => {
    const b = cpu();
    expect(b.memory().bytesInUse).toBe(0);
    const s1 = b.fill(10, 'float32', 1);
    const s2 = b.fill(3, 'float64', 1);
    const s3 = b.fill(5, 'bool', 1);
    expect(b.memory().bytesInUse).toBe(40 + 24 + 5);
    const view = { storage: s1, dtype: 'float32' as const, shape: [10], strides: [1], offset: 0 };
    const s4 = b.unary('exp', view, []);
    expect(b.memory().bytesInUse).toBe(40 + 24 + 5 + 40);
    for (const s of [s1, s2, s3, s4]) b.free(s);
    expect(b.memory().bytesInUse).toBe(0);
  });

  it('tensor disposal returns the bytes', () => {
    const b = getBackend();
    const before = b.memory().bytesInUse;
    const t = tensor([1, 2, 3, 4], { dtype: 'float64' });
    expect(b.memory().bytesInUse).toBe(before + 32);
    const u = t.add(1);
    t.dispose();
    u.dispose();
    expect(b.memory().bytesInUse).toBe(before);
  });

  it('fill writes the value in each dtype', () => {
    expect(Array.from(full([3], 2.5).dataSync())).toEqual([2.5, 2.5, 2.5]);
    expect(Array.from(full([2], 7, { dtype: 'int32' }).dataSync())).toEqual([7, 7]);
    expect(Array.from(full([2], 1, { dtype: 'bool' }).dataSync())).toEqual([1, 1]);
    expect(
      Array.from(getBackend().readSync!(getBackend().fill(2, 'bool', 0.5), 'bool', 2) as TypedArray),
    ).toEqual([1, 1]);
    expect(full([0, 2], 3).dataSync().length).toBe(0);
  });

  it('random reproduces fillRandom exactly for uniform, normal and integer draws', () => {
    manualSeed(123);
    const u = rand([100]).dataSync();
    const n = randn([50], { dtype: 'float64', mean: 1, std: 2 }).dataSync();
    const k = randint(-5, 5, [40]).dataSync();
    manualSeed(123);
    const ref = (
      len: number,
      dist: 'uniform' | 'normal',
      a: number,
      bb: number,
      counter: number,
      ctor: { new (n: number): TypedArray },
      integer: boolean,
    ): TypedArray => {
      const out = new ctor(len);
      fillRandom(out, { dist, key: [123, 0], counter, a, b: bb }, integer);
      return out;
    };
    expect(Array.from(u)).toEqual(Array.from(ref(100, 'uniform', 0, 1, 0, Float32Array, false)));
    expect(Array.from(n)).toEqual(Array.from(ref(50, 'normal', 1, 2, 100, Float64Array, false)));
    expect(Array.from(k)).toEqual(Array.from(ref(40, 'uniform', -5, 5, 150, Int32Array, true)));
    expect(k.every((v) => v >= -5 && v < 5)).toBe(true);
  });
});

describe('cast', () => {
  it('converts between every pair of dtypes like PyTorch (truncation, non-zero is true)', () => {
    const f = tensor([-2.7, -0.5, 0, 0.4, 3.9, Number.NaN]);
    expect(Array.from(f.cast('int32').dataSync())).toEqual([-2, 0, 0, 0, 3, 0]);
    expect(Array.from(f.cast('bool').dataSync())).toEqual([1, 1, 0, 1, 1, 1]);
    expectClose(
      f.cast('float64').dataSync(),
      Array.from(Float32Array.from([-2.7, -0.5, 0, 0.4, 3.9, Number.NaN])),
      0,
      0,
    );
    const d = tensor([0.1, 1e40, -3], { dtype: 'float64' });
    expectClose(d.cast('float32').dataSync(), [Math.fround(0.1), Infinity, -3], 0, 0);
    const i = tensor([0, -7, 2147483647], { dtype: 'int32' });
    expect(Array.from(i.cast('bool').dataSync())).toEqual([0, 1, 1]);
    expect(Array.from(i.cast('float64').dataSync())).toEqual([0, -7, 2147483647]);
    const b = tensor([true, false]);
    expect(Array.from(b.cast('float32').dataSync())).toEqual([1, 0]);
    expect(Array.from(b.cast('int32').dataSync())).toEqual([1, 0]);
  });

  it('makes a contiguous copy of a strided view', () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'int32' },
    ).t();
    expect(Array.from(x.contiguous().dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(x.cast('float32').dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    const y = tensor([
      [0, 2],
      [3, 0],
    ])
      .t()
      .cast('bool');
    expect(Array.from(y.dataSync())).toEqual([0, 1, 1, 0]);
  });
});
