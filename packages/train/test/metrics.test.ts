import { memory, ShapeError, tensor, ValueError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Accuracy,
  ConfusionMatrix,
  classificationReport,
  MacroScore,
  MeanAbsoluteError,
  MeanSquaredError,
  makeMetric,
  R2Score,
  score,
  TopKAccuracy,
} from '../src/index.js';
import { setup } from './helpers.js';

beforeAll(setup);

const logits = () =>
  tensor([
    [2, 1, 0],
    [0, 3, 1],
    [1, 0, 2],
    [0, 2, 1],
  ]);
const labels = () => tensor(Int32Array.from([0, 1, 1, 2]));

describe('classification metrics', () => {
  it('accuracy and top-k accuracy', async () => {
    expect(await score(new Accuracy(), logits(), labels())).toBe(0.5);
    // Row 2 scores class 1 lowest, row 3 ranks class 2 second.
    expect(await score(new TopKAccuracy(2), logits(), labels())).toBe(0.75);
    expect(await score(new TopKAccuracy(3), logits(), labels())).toBe(1);
    // One-hot targets and single-logit binary outputs work too.
    const oneHot = tensor([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(await score(new Accuracy(), logits(), oneHot)).toBe(0.5);
    expect(await score(new Accuracy(), tensor([[-1], [2], [0.5]]), tensor([[0], [1], [0]]))).toBeCloseTo(
      2 / 3,
      6,
    );
    expect(
      await score(new Accuracy({ threshold: 0.6 }), tensor([0.2, 0.7, 0.65]), tensor([0, 1, 0])),
    ).toBeCloseTo(2 / 3, 6);
  });

  it('accumulates across batches like one big batch', async () => {
    const m = new Accuracy();
    m.update(logits().narrow(0, 0, 3), labels().narrow(0, 0, 3));
    m.update(logits().narrow(0, 3, 1), labels().narrow(0, 3, 1));
    expect(await m.compute()).toBe(0.5);
    m.reset();
    expect(Number.isNaN(await m.compute())).toBe(true);
  });

  it('confusion matrix, precision, recall and F1', async () => {
    const cm = new ConfusionMatrix(3);
    cm.update(logits(), labels());
    const matrix = await cm.compute();
    // true 0 → 0; true 1 → 1 and 2; true 2 → 1
    expect(matrix).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 1, 0],
    ]);
    const r = classificationReport(matrix);
    expect(r.precision).toEqual([1, 0.5, 0]);
    expect(r.recall).toEqual([1, 0.5, 0]);
    expect(r.f1).toEqual([1, 0.5, 0]);
    expect(r.support).toEqual([1, 2, 1]);
    expect(r.macro.f1).toBeCloseTo(0.5, 10);
    expect(r.accuracy).toBe(0.5);
    expect(await score(new MacroScore('recall', 3), logits(), labels())).toBeCloseTo(0.5, 6);
    expect(() => new ConfusionMatrix(1)).toThrow(ValueError);
    expect(() => cm.update(logits(), tensor(Int32Array.from([0, 1])))).toThrow(ShapeError);
  });
});

describe('regression metrics', () => {
  it('MSE, MAE and R²', async () => {
    const pred = tensor([[1], [2], [4]]);
    const y = tensor([1, 3, 3]);
    expect(await score(new MeanSquaredError(), pred, y)).toBeCloseTo(2 / 3, 6);
    expect(await score(new MeanAbsoluteError(), pred, y)).toBeCloseTo(2 / 3, 6);
    // mean(y) = 7/3, SS_tot = 8/3 − ... = 2/3·... : SS_tot = (16+4+4)/9 = 8/3, SS_res = 2
    expect(await score(new R2Score(), pred, y)).toBeCloseTo(1 - 2 / (8 / 3), 5);
    expect(await score(makeMetric('r2'), tensor([1, 2, 3]), tensor([1, 2, 3]))).toBeCloseTo(1, 6);
    expect(() => makeMetric('nope' as never)).toThrow(ValueError);
  });

  it('frees what it accumulates', async () => {
    const pred = tensor([[1], [2]]);
    const y = tensor([1, 3]);
    const before = memory().numTensors;
    const m = new R2Score();
    m.update(pred, y);
    m.update(pred, y);
    await m.compute();
    m.reset();
    expect(memory().numTensors).toBe(before);
  });
});
