import { DataLoader, TensorDataset } from '@nn/data';
import { mseLoss } from '@nn/losses';
import { ReduceLROnPlateau, SGD, StepLR } from '@nn/optim';
import { manualSeed, memory, randn, type Tensor, tensor, ValueError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { EarlyStopping, evaluate, fit, LambdaCallback, ModelCheckpoint, predict } from '../src/index.js';
import { linearModel, recorder, setup } from './helpers.js';

beforeAll(setup);

/** y = 2·x0 − x1 + 0.5 on 64 rows: a linear model fits it exactly. */
function regressionData(n = 64): { x: Tensor; y: Tensor } {
  const x = randn([n, 2]);
  const y = x.matmul(tensor([[2], [-1]])).add(0.5);
  return { x, y };
}

const values = (t: Tensor): number[] => Array.from(t.dataSync());

describe('fit', () => {
  it('trains a model, logging loss, metrics and validation per epoch', async () => {
    manualSeed(1);
    const { x, y } = regressionData();
    const model = linearModel(2, 1);
    const history = await fit(model, {
      loss: mseLoss,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true }),
      validation: [x, y],
      epochs: 15,
      metrics: ['mae', 'r2'],
      progress: false,
    });
    expect(history.epochs).toHaveLength(15);
    const first = history.epochs[0];
    const last = history.last!;
    expect(Object.keys(last)).toEqual(
      expect.arrayContaining(['loss', 'mae', 'r2', 'valLoss', 'valMae', 'valR2', 'lr', 'seconds']),
    );
    expect(last.loss).toBeLessThan(first.loss / 100);
    expect(last.valR2).toBeGreaterThan(0.999);
    expect(values(model.w)[0]).toBeCloseTo(2, 2);
    const ev = await evaluate(model, [x, y], { loss: mseLoss, metrics: ['mse'] });
    expect(ev.loss).toBeCloseTo(ev.mse, 6);
    expect(ev.loss).toBeCloseTo(last.valLoss, 6);
    expect(predict(model, x, { batchSize: 5 }).shape).toEqual([64, 1]);
  });

  it('early stopping stops after `patience` bad epochs and restores the best weights', async () => {
    manualSeed(2);
    const { x, y } = regressionData();
    // Validation targets are the negated ones: the better the model fits train, the worse it does here.
    const yVal = y.neg();
    const model = linearModel(2, 1);
    const snapshots: number[][] = [];
    const stopper = new EarlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights: true });
    const history = await fit(model, {
      loss: mseLoss,
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 16 }),
      validation: [x, yVal],
      epochs: 20,
      callbacks: [new LambdaCallback({ onEpochEnd: () => void snapshots.push(values(model.w)) }), stopper],
      progress: false,
    });
    const val = history.get('valLoss');
    const best = val.indexOf(Math.min(...val));
    expect(history.epochs).toHaveLength(best + 3);
    expect(stopper.stoppedEpoch).toBe(best + 2);
    expect(stopper.bestEpoch).toBe(best);
    expect(values(model.w)).toEqual(snapshots[best]);
    expect(values(model.w)).not.toEqual(snapshots[snapshots.length - 1]);
    const ev = await evaluate(model, [x, yVal], { loss: mseLoss });
    expect(ev.loss).toBeCloseTo(val[best], 5);
  });

  it('steps an epoch scheduler and feeds ReduceLROnPlateau the monitored value', async () => {
    manualSeed(3);
    const { x, y } = regressionData();
    const model = linearModel(2, 1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const h = await fit(model, {
      loss: mseLoss,
      optimizer: opt,
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 32 }),
      epochs: 3,
      scheduler: new StepLR(opt, { stepSize: 1, gamma: 0.5 }),
      progress: false,
    });
    expect(h.get('lr')).toEqual([0.1, 0.05, 0.025]);
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.0125, 10);

    const model2 = linearModel(2, 1);
    const opt2 = new SGD(model2.parameters(), { lr: 0.05 });
    const plateau = new ReduceLROnPlateau(opt2, { patience: 0, factor: 0.5 });
    const h2 = await fit(model2, {
      loss: mseLoss,
      optimizer: opt2,
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 16 }),
      validation: [x, y.neg()],
      epochs: 4,
      scheduler: plateau,
      progress: false,
    });
    // valLoss rises every epoch, so after the first each epoch halves the lr.
    const val = h2.get('valLoss');
    for (let e = 1; e < val.length; e++) expect(val[e]).toBeGreaterThan(val[e - 1]);
    expect(h2.get('lr')).toEqual([0.05, 0.05, 0.025, 0.0125]);
  });

  it('saves checkpoints when the monitored value improves', async () => {
    manualSeed(4);
    const { x, y } = regressionData();
    const model = linearModel(2, 1);
    const saved: number[] = [];
    const ckpt = new ModelCheckpoint({ monitor: 'loss', save: (_m, epoch) => void saved.push(epoch) });
    await fit(model, {
      loss: mseLoss,
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 16 }),
      epochs: 3,
      callbacks: [ckpt],
      progress: false,
    });
    expect(saved).toEqual([0, 1, 2]);
  });

  it('keeps memory flat over 10,000 training steps', async () => {
    manualSeed(5);
    const { x, y } = regressionData(10000);
    const model = linearModel(2, 1);
    const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const counts: number[] = [];
    const before = memory().numTensors;
    await fit(model, {
      loss: mseLoss,
      optimizer: opt,
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 1, shuffle: true }),
      epochs: 1,
      metrics: ['mae'],
      logEvery: 100,
      callbacks: [
        new LambdaCallback({
          onBatchEnd: (b) => void (b % 1000 === 999 && counts.push(memory().numTensors)),
        }),
      ],
      progress: false,
    });
    expect(counts).toHaveLength(10);
    // Momentum buffers appear at the first step; from then on the count must not move.
    expect(new Set(counts).size).toBe(1);
    expect(memory().numTensors).toBe(before + 2); // the two momentum buffers, owned by the optimizer
  }, 60_000);

  it('draws a progress bar on a TTY and plain epoch lines elsewhere', async () => {
    manualSeed(6);
    const { x, y } = regressionData();
    const run = async (isTTY: boolean): Promise<string> => {
      const stream = recorder(isTTY);
      const model = linearModel(2, 1);
      await fit(model, {
        loss: mseLoss,
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        train: new DataLoader(new TensorDataset(x, y), { batchSize: 4 }),
        epochs: 2,
        logEvery: 1,
        progress: { stream, refreshMs: 0 },
      });
      return stream.text;
    };
    const tty = await run(true);
    expect(tty).toMatch(/\rEpoch 1\/2 {2}\[=+>? *\] {2}\d+\/16 {2}loss \d+\.\d{4} {2}\d+ ex\/s {2}ETA /);
    expect(tty).toMatch(/Epoch 2\/2 {2}loss \d\.\d{4} {2}lr 0\.0500 {2}\(/);
    const plain = await run(false);
    expect(plain).not.toContain('\r');
    expect(plain.trim().split('\n')).toHaveLength(2);
  });

  it('rejects bad options with typed errors', async () => {
    const model = linearModel(2, 1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const train = [[tensor([[1, 2]]), tensor([[1]])]];
    await expect(fit(model, { loss: mseLoss, optimizer: opt, train, epochs: 0 })).rejects.toThrow(ValueError);
    await expect(fit(model, { loss: 3 as never, optimizer: opt, train })).rejects.toThrow(ValueError);
    await expect(fit({} as never, { loss: mseLoss, optimizer: opt, train })).rejects.toThrow(ValueError);
    await expect(
      fit(model, {
        loss: mseLoss,
        optimizer: opt,
        train,
        callbacks: [new EarlyStopping({ monitor: 'valAccuracy' })],
        progress: false,
      }),
    ).rejects.toThrow(/valAccuracy/);
  });
});
