import { memory, ShapeError, tensor, ValueError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { MinMaxScaler, oneHot, StandardScaler, trainTestSplit } from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const close = (a: ArrayLike<number>, b: number[]): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
};

describe('oneHot', () => {
  it('encodes labels from arrays and tensors and rejects labels out of range', () => {
    expect(oneHot([2, 0], 3).arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(oneHot(tensor(Int32Array.from([1])), 2).arraySync()).toEqual([[0, 1]]);
    expect(() => oneHot([3], 3)).toThrow(ValueError);
    expect(() => oneHot([1.5], 3)).toThrow(ValueError);
  });
});

describe('scalers', () => {
  const data = [
    [1, 10],
    [3, 10],
    [5, 10],
  ];

  it('StandardScaler centres and scales per feature, leaves constant features alone, inverts', async () => {
    const x = tensor(data);
    const s = new StandardScaler();
    const z = s.fitTransform(x);
    const sd = Math.sqrt(8 / 3);
    close(z.dataSync(), [-2 / sd, 0, 0, 0, 2 / sd, 0]);
    close(s.inverseTransform(z).dataSync(), [1, 10, 3, 10, 5, 10]);
    expect(await s.state()).toEqual({ offset: [3, 10], scale: [expect.closeTo(sd, 5), 1] });
    expect(() => s.transform(tensor([[1, 2, 3]]))).toThrow(ShapeError);
  });

  it('MinMaxScaler maps to [0, 1] and restores from its state', async () => {
    const x = tensor(data);
    const s = new MinMaxScaler().fit(x);
    close(s.transform(x).dataSync(), [0, 0, 0.5, 0, 1, 0]);
    const restored = new MinMaxScaler().loadState(await s.state());
    close(restored.transform(tensor([[4, 10]])).dataSync(), [0.75, 0]);
    expect(() => new MinMaxScaler().transform(x)).toThrow(/fit\(\) first/);
    expect(() => new MinMaxScaler().loadState({ offset: [1], scale: [0] })).toThrow(ValueError);
  });

  it('does not leak', () => {
    const x = tensor(data);
    const before = memory().numTensors;
    const s = new StandardScaler();
    s.fitTransform(x).dispose();
    s.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('trainTestSplit', () => {
  it('splits rows of every tensor the same way', () => {
    const x = tensor([[0], [1], [2], [3], [4], [5], [6], [7], [8], [9]]);
    const y = tensor(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const [xTr, xTe, yTr, yTe] = trainTestSplit([x, y], { testSize: 0.2, seed: 4 });
    expect(xTr.shape).toEqual([8, 1]);
    expect(xTe.shape).toEqual([2, 1]);
    expect(Array.from(xTr.dataSync())).toEqual(Array.from(yTr.dataSync()));
    expect(Array.from(xTe.dataSync())).toEqual(Array.from(yTe.dataSync()));
    const all = [...xTr.dataSync(), ...xTe.dataSync()].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => trainTestSplit([x, tensor([1, 2])])).toThrow(ShapeError);
    expect(() => trainTestSplit([x], { testSize: 10 })).toThrow(ValueError);
  });
});
