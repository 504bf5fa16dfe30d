// A NaN or infinite training loss stops fit (and the estimator) when the loss is read back.
import { DataLoader, TensorDataset } from '@nn/data';
import { mseLoss } from '@nn/losses';
import { SGD } from '@nn/optim';
import {
  dispose,
  manualSeed,
  memory,
  randn,
  startProfiler,
  type Tensor,
  tensor,
  ValueError,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { EarlyStopping, fit, NeuralNetwork, NonFiniteLossError } from '../src/index.js';
import { linearModel, setup } from './helpers.js';

beforeAll(setup);

/** 80 rows in batches of 4 (20 batches); row `nanRow`, if given, holds a NaN input. */
function data(nanRow?: number): [Tensor, Tensor] {
  const clean = randn([80, 2]);
  const y = clean.sum({ dim: 1, keepdim: true });
  const values = clean.dataSync() as Float32Array;
  clean.dispose();
  if (nanRow !== undefined) values[nanRow * 2] = Number.NaN;
  return [tensor(values, { shape: [80, 2] }), y];
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('a non-finite training loss', () => {
  it('stops fit at the first read after it, naming the epoch, the batch range and the learning rate', async () => {
    manualSeed(1);
    // Row 29 is in batch 7 of epoch 0; the loss is read after batches 4, 9, 14, 19.
    const [x, y] = data(29);
    const model = linearModel(2, 1);
    const before = memory().numTensors;
    const e = await failure(
      fit(model, {
        loss: mseLoss,
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        train: new DataLoader(new TensorDataset(x, y), { batchSize: 4 }),
        logEvery: 5,
        progress: false,
      }),
    );
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe(
      "fit: the training loss became NaN in epoch 0, batches 5..9. The likely cause is the learning rate (0.05) being too high; lower it or clip gradients (clipGradNorm), and check the inputs and targets for NaN. Pass onNonFiniteLoss: 'continue' to train on regardless",
    );
    const err = e as NonFiniteLossError;
    expect([err.epoch, err.fromBatch, err.toBatch]).toEqual([0, 5, 9]);
    // Nothing of the loop is left behind but the gradients fit clears.
    expect(memory().numTensors).toBe(before);
    dispose([x, y, model.w, model.b]);
  });

  it('names the whole epoch when the loss is read once per epoch, and catches a diverging learning rate', async () => {
    manualSeed(2);
    const [x, y] = data();
    const model = linearModel(2, 1);
    const e = await failure(
      fit(model, {
        loss: mseLoss,
        optimizer: new SGD(model.parameters(), { lr: 1e6 }),
        train: new DataLoader(new TensorDataset(x, y), { batchSize: 4 }),
        logEvery: 0,
        epochs: 3,
        progress: false,
      }),
    );
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect(e.message).toMatch(/^fit: the training loss became (NaN|Infinity) in epoch 0, batches 0\.\.19\. /);
    expect(e.message).toContain('the learning rate (1000000) being too high');
    dispose([x, y, model.w, model.b]);
  });

  it("trains on with onNonFiniteLoss: 'continue', as PyTorch and Keras", async () => {
    manualSeed(3);
    const [x, y] = data(29);
    const model = linearModel(2, 1);
    const history = await fit(model, {
      loss: mseLoss,
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 4 }),
      epochs: 2,
      progress: false,
      onNonFiniteLoss: 'continue',
    });
    expect(history.get('loss').map(Number.isNaN)).toEqual([true, true]);
    await expect(
      fit(model, {
        loss: mseLoss,
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        train: new DataLoader(new TensorDataset(x, y)),
        onNonFiniteLoss: 'ignore' as never,
      }),
    ).rejects.toThrow("fit: onNonFiniteLoss must be 'throw' or 'continue', got 'ignore'");
    dispose([x, y, model.w, model.b]);
  });

  it('adds no host read: a clean run reads the loss as often with the check as without it', async () => {
    /** Host reads (and syncs) of the backend during 2 epochs of 20 batches, logEvery 5. */
    const reads = async (onNonFiniteLoss: 'throw' | 'continue'): Promise<number> => {
      manualSeed(5);
      const [x, y] = data();
      const model = linearModel(2, 1);
      const profiler = startProfiler();
      await fit(model, {
        loss: mseLoss,
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        train: new DataLoader(new TensorDataset(x, y), { batchSize: 4 }),
        epochs: 2,
        logEvery: 5,
        progress: false,
        onNonFiniteLoss,
      });
      const n = profiler.stop().categories.read?.calls ?? 0;
      dispose([x, y, model.w, model.b]);
      return n;
    };
    const checked = await reads('throw');
    expect(checked).toBe(await reads('continue'));
    // Per epoch, the loss is read after batches 4, 9, 14 and 19 (for the logs) and once at the
    // epoch's end (its mean), and nothing else is read: no read per step.
    expect(checked).toBe(2 * 5);
  });

  it('stops the estimator too, and frees its optimizer state', async () => {
    // scaleTargets off: a fitted target scaler would (rightly) stay with the network.
    const net = new NeuralNetwork({
      layers: [2, 4, 1],
      regression: true,
      scaleTargets: false,
      optimizer: 'sgd',
      lr: 1e8,
      seed: 4,
    });
    const X = Array.from({ length: 40 }, (_, i) => [i / 10, (i % 7) - 3]);
    const y = X.map(([a, b]) => 3 * a - b);
    const before = memory().numTensors;
    const e = await failure(net.train(X, y, { epochs: 5, verbose: false }));
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect(e.message).toContain('the learning rate (100000000) being too high');
    expect(memory().numTensors).toBe(before);
    net.dispose();
  });
});

describe('EarlyStopping', () => {
  it('counts a NaN metric as an epoch without improvement', () => {
    const stop = new EarlyStopping({ monitor: 'valLoss', patience: 2 });
    const ctx = { model: {} as never, epochs: 10, stepsPerEpoch: 1, history: [], stopTraining: false };
    stop.onTrainBegin();
    stop.onEpochEnd(0, { valLoss: 1 }, ctx);
    stop.onEpochEnd(1, { valLoss: Number.NaN }, ctx);
    expect(ctx.stopTraining).toBe(false);
    stop.onEpochEnd(2, { valLoss: Number.NaN }, ctx);
    expect(ctx.stopTraining).toBe(true);
    expect([stop.best, stop.bestEpoch, stop.stoppedEpoch]).toEqual([1, 0, 2]);
  });

  it('does not take a NaN first epoch as the best', () => {
    const stop = new EarlyStopping({ monitor: 'valLoss', patience: 3 });
    const ctx = { model: {} as never, epochs: 10, stepsPerEpoch: 1, history: [], stopTraining: false };
    stop.onTrainBegin();
    stop.onEpochEnd(0, { valLoss: Number.NaN }, ctx);
    stop.onEpochEnd(1, { valLoss: 2 }, ctx);
    expect([stop.best, stop.bestEpoch]).toEqual([2, 1]);
  });
});
