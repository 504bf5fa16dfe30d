/**
 * Data loading as PyTorch and scikit-learn users write it. Each of these keys ran as if absent
 * before: `batch_size: 64` gave batches of 1, `test_size` split 25 %, `random_state` was unseeded.
 */
import { arange, UnknownOptionError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, randomSplit, TensorDataset, trainTestSplit } from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const dataset = () => new TensorDataset(arange(0, 20).reshape(10, 2), arange(0, 10));

describe('data options, as PyTorch and scikit-learn users spell them', () => {
  it('DataLoader(ds, { batch_size: 4, drop_last: true }) names batchSize and dropLast', () => {
    const call = () => new DataLoader(dataset(), { batch_size: 4, drop_last: true } as never);
    expect(call).toThrow(UnknownOptionError);
    expect(call).toThrow(
      "DataLoader: unknown options 'batch_size' (did you mean 'batchSize'?), 'drop_last' (did you mean 'dropLast'?)",
    );
    // The nn spelling gives what the PyTorch user meant.
    const batches = [...new DataLoader(dataset(), { batchSize: 4, dropLast: true })];
    expect(batches.map(([x]) => x.shape[0])).toEqual([4, 4]);
  });

  it('trainTestSplit([x, y], { test_size, random_state }) names testSize and seed', () => {
    const ds = dataset();
    expect(() => trainTestSplit([...ds.tensors], { test_size: 0.2 } as never)).toThrow(
      /trainTestSplit: unknown option 'test_size' \(did you mean 'testSize'\?\)/,
    );
    expect(() => trainTestSplit([...ds.tensors], { random_state: 0 } as never)).toThrow(
      /unknown option 'random_state' \(did you mean 'seed'\?\)/,
    );
    const [xTrain, xTest] = trainTestSplit([ds.tensors[0]], { testSize: 0.2, seed: 0 });
    expect([xTrain.shape[0], xTest.shape[0]]).toEqual([8, 2]);
  });

  it('randomSplit(ds, [8, 2], { generator }) lists the valid key', () => {
    expect(() => randomSplit(dataset(), [8, 2], { generator: 0 } as never)).toThrow(
      "randomSplit: unknown option 'generator'; valid options: seed",
    );
  });
});
