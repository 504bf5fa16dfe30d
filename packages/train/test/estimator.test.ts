import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnistArrays } from '@nn/data';
import { memory, ShapeError, tensor, ValueError } from '@nn/tensor';
import { fillRandom } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError, NeuralNetwork } from '../src/index.js';
import { setup } from './helpers.js';

beforeAll(setup);

/** n rows of 3 features drawn uniformly from [-2, 2) with a fixed key, and y = sin(x0) + 0.5·x1² − x2. */
function formulaData(n: number, counter: number): { X: number[][]; y: number[] } {
  const u = new Float64Array(n * 3);
  fillRandom(u, { dist: 'uniform', key: [42, 0], counter, a: -2, b: 2 }, false);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [u[3 * i], u[3 * i + 1], u[3 * i + 2]];
    X.push([a, b, c]);
    y.push(Math.sin(a) + 0.5 * b * b - c);
  }
  return { X, y };
}

describe('NeuralNetwork', () => {
  it('classifies MNIST digits at >= 90 % after 3 epochs', async () => {
    const { train, test } = await loadMnistArrays({ train: 8000, test: 2000, seed: 0 });
    const nn = new NeuralNetwork({ layers: [784, 64, 10], dropoutRate: 0.1, regLambda: 1e-5, seed: 0 });
    const history = await nn.train(tensor(train.x, { shape: [train.n, 784] }), train.y, {
      epochs: 3,
      batchSize: 32,
      validationSplit: 0.1,
      verbose: false,
    });
    expect(history.epochs).toHaveLength(3);
    expect(history.last?.valAccuracy).toBeGreaterThan(0.88);
    const xTest = tensor(test.x, { shape: [test.n, 784] });
    const { accuracy } = await nn.evaluate(xTest, test.y);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    const labels = (await nn.predict(xTest)) as number[];
    const agree = labels.filter((l, i) => l === test.y[i]).length / test.n;
    expect(agree).toBeCloseTo(accuracy, 6);
    const proba = await nn.predictProba([Array.from(test.x.subarray(0, 784))]);
    expect(proba[0]).toHaveLength(10);
    expect(proba[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }, 120_000);

  it('fits a regression formula with R² >= 0.9, saves and loads it', async () => {
    // y = sin(x0) + 0.5·x1² − x2 with x uniform in [-2, 2)^3; test rows are drawn separately.
    const train = formulaData(1000, 0);
    const test = formulaData(300, 10_000);
    const nn = new NeuralNetwork({
      layers: [3, 32, 32, 1],
      regression: true,
      lr: 3e-3,
      seed: 1,
      lrScheduler: { type: 'step', stepSize: 20, gamma: 0.5 },
    });
    await nn.train(train.X, train.y, { epochs: 40, batchSize: 32, verbose: false });
    const ev = await nn.evaluate(test.X, test.y);
    expect(ev.r2).toBeGreaterThanOrEqual(0.9);
    expect(ev.mae).toBeLessThan(0.4);
    const pred = (await nn.predict(test.X)) as number[];
    expect(pred).toHaveLength(300);

    const dir = mkdtempSync(join(tmpdir(), 'nn-estimator-'));
    const path = join(dir, 'model.json');
    await nn.save(path);
    const loaded = await NeuralNetwork.load(path);
    expect(await loaded.predict(test.X)).toEqual(pred);

    const doc = JSON.parse(readFileSync(path, 'utf8'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, readFileSync(path, 'utf8').slice(0, 200));
    await expect(NeuralNetwork.load(broken)).rejects.toThrow(ModelFileError);
    const key = Object.keys(doc.weights)[0];
    doc.weights[key].shape = [7, 7];
    writeFileSync(broken, JSON.stringify(doc));
    await expect(NeuralNetwork.load(broken)).rejects.toThrow(ModelFileError);
    writeFileSync(broken, JSON.stringify({ format: 'something-else' }));
    await expect(NeuralNetwork.load(broken)).rejects.toBeInstanceOf(ValueError);
  }, 120_000);

  it('classifies two classes with one sigmoid output', async () => {
    const X = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [0.1, 0.1],
      [0.9, 0.9],
    ];
    const y = [0, 0, 0, 1, 0, 1];
    const nn = new NeuralNetwork({ layers: [2, 8, 1], lr: 0.05, seed: 3 });
    expect(nn.config.outputActivation).toBe('sigmoid');
    await nn.train(X, y, { epochs: 150, batchSize: 6, verbose: false });
    expect(await nn.predict(X)).toEqual(y);
    const p = await nn.predictProba([[1, 1]]);
    expect(p[0][1]).toBeGreaterThan(0.5);
    expect(p[0][0] + p[0][1]).toBeCloseTo(1, 6);
  });

  it('rejects bad inputs with typed errors and leaks nothing', async () => {
    const nn = new NeuralNetwork({ layers: [2, 4, 3], seed: 4, weightNoiseStd: 0.01, l1Lambda: 1e-4 });
    const X = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const before = memory().numTensors;
    await expect(nn.train(X, [0, 1], { verbose: false })).rejects.toThrow(ShapeError);
    await expect(nn.train([[1, Number.NaN], ...X.slice(1)], [0, 1, 2], { verbose: false })).rejects.toThrow(
      /NaN/,
    );
    await expect(nn.train(X, [0, 1, 3], { verbose: false })).rejects.toThrow(ValueError);
    await expect(nn.train(X, [0, 1, 1.5], { verbose: false })).rejects.toThrow(ValueError);
    await expect(nn.train([[1, 2, 3]], [0], { verbose: false })).rejects.toThrow(ShapeError);
    await expect(nn.train(X, [0, 1, 2], { batchSize: 0, verbose: false })).rejects.toThrow(ValueError);
    expect(memory().numTensors).toBe(before);
    await nn.train(X, [0, 1, 2], { epochs: 2, verbose: false });
    await expect(nn.predict([[1, 2, 3]])).rejects.toThrow(ShapeError);
    const wide = tensor([[1, 2, 3]]);
    await expect(nn.predict(wide)).rejects.toThrow(ShapeError);
    wide.dispose();
    await expect(nn.predict([[Number.POSITIVE_INFINITY, 1]])).rejects.toThrow(ValueError);
    expect(memory().numTensors).toBe(before);
    expect(() => new NeuralNetwork({ layers: [3] })).toThrow(ValueError);
    expect(() => new NeuralNetwork({ layers: [3, 2], dropoutRate: 1 })).toThrow(ValueError);
    expect(() => new NeuralNetwork({ layers: [3, 2], optimizer: 'lbfgs' as never })).toThrow(ValueError);
    expect(
      () => new NeuralNetwork({ layers: [3, 2], regression: true, outputActivation: 'softmax' }),
    ).toThrow(ValueError);
  });
});
