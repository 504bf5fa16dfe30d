// What model files refuse and what their error paths leave behind.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear, Sequential } from '@nn/layers';
import { full, memory, tensor } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadWeights,
  ModelFileError,
  NeuralNetwork,
  NonFiniteWeightsError,
  saveWeights,
} from '../src/index.js';
import { setup } from './helpers.js';

beforeAll(setup);

const dir = mkdtempSync(join(tmpdir(), 'nn-model-files-'));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('saving weights that hold NaN or infinity', () => {
  it('is refused with a NonFiniteWeightsError naming the tensor, and the last good file stays', async () => {
    const model = new Sequential(new Linear(3, 2), new Linear(2, 1));
    const path = join(dir, 'weights.json');
    await saveWeights(model, path);
    const good = readFileSync(path, 'utf8');
    const bias = model.parameters()[3];
    bias.assign(tensor([Number.NaN]));
    const before = memory().numTensors;
    const e = await rejection(saveWeights(model, path));
    expect(e).toBeInstanceOf(NonFiniteWeightsError);
    expect(e.message).toBe(
      "saveWeights: tensor '1.bias' [1] holds NaN at flat index 0; refusing to save weights with NaN or infinite values (pass { allowNonFinite: true } to do it anyway)",
    );
    expect((e as NonFiniteWeightsError).tensorName).toBe('1.bias');
    expect(memory().numTensors).toBe(before);
    expect(readFileSync(path, 'utf8')).toBe(good);

    await saveWeights(model, path, { allowNonFinite: true });
    const fresh = new Sequential(new Linear(3, 2), new Linear(2, 1));
    await expect(loadWeights(fresh, path)).rejects.toThrow(
      `${path}: tensors.1.bias: holds NaN at flat index 0; pass { allowNonFinite: true } to load NaN or infinite weights`,
    );
    await loadWeights(fresh, path, { allowNonFinite: true });
    expect(Number.isNaN(fresh.parameters()[3].dataSync()[0])).toBe(true);
  });

  it('is refused by the estimator too (save and toJSON), unless allowed', async () => {
    const net = new NeuralNetwork({ layers: [2, 3, 2], seed: 1 });
    const w = net.network.parameters()[0];
    const inf = full(w.shape, Number.POSITIVE_INFINITY);
    w.assign(inf);
    inf.dispose();
    const path = join(dir, 'net.json');
    const e = await rejection(net.save(path));
    expect(e).toBeInstanceOf(NonFiniteWeightsError);
    expect(e.message).toMatch(
      /^NeuralNetwork\.toJSON: tensor '0\.weight' \[3,2\] holds Infinity at flat index 0;/,
    );
    await net.save(path, { allowNonFinite: true });
    await expect(NeuralNetwork.load(path)).rejects.toThrow(ModelFileError);
    const back = await NeuralNetwork.load(path, { allowNonFinite: true });
    expect(back.network.parameters()[0].dataSync()[0]).toBe(Number.POSITIVE_INFINITY);
    back.dispose();
    net.dispose();
  });
});

describe('malformed model files', () => {
  const good = async (): Promise<Record<string, unknown>> => {
    const net = new NeuralNetwork({ layers: [2, 4, 3], seed: 2 });
    const doc = await net.toJSON();
    net.dispose();
    return doc;
  };

  it('give a ModelFileError that says what is wrong, and leave nothing allocated', async () => {
    const doc = await good();
    const cases: [unknown, string][] = [
      [null, "not an nn NeuralNetwork model (format 'undefined')"],
      [{ ...doc, format: 'keras' }, "not an nn NeuralNetwork model (format 'keras')"],
      [{ ...doc, version: 2 }, 'unsupported version 2'],
      [{ ...doc, config: null }, 'config must be an object, got null'],
      [{ ...doc, config: [2, 3] }, 'config must be an object, got an array'],
      [{ ...doc, config: { layers: 'wide' } }, 'bad config (NeuralNetwork: layers must list'],
      [{ ...doc, weights: null }, 'weights: expected an object of tensors by name'],
      [
        { ...doc, weights: {} },
        "weights: do not match the config's layers (missing 0.weight, 0.bias, 2.weight, 2.bias)",
      ],
      [
        { ...doc, config: { ...(doc.config as object), layers: [2, 2e8, 3] } },
        "weights.0.weight: the config's layers need shape [200000000,2], the file has [4,2]",
      ],
      [{ ...doc, targetScaler: 'none' }, 'targetScaler must be an object or null, got string'],
    ];
    const before = memory();
    for (const [bad, says] of cases) {
      let thrown: unknown = null;
      try {
        NeuralNetwork.fromJSON(bad, { where: 'm.json' });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, says).toBeInstanceOf(ModelFileError);
      expect((thrown as Error).message).toContain(`m.json: ${says}`);
    }
    const after = memory();
    expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
    // A scaler that fails after the weights loaded (memory-backends.test.ts checks on every
    // backend that this and the other failures leave no tensor and no backend byte behind).
    expect(() => NeuralNetwork.fromJSON({ ...doc, targetScaler: { mean: 1 } }, { where: 'm.json' })).toThrow(
      'm.json: bad target scaler',
    );
  });

  it('a file whose weights belong to another architecture fails before allocating, and frees all', async () => {
    const doc = await good();
    const other = new NeuralNetwork({ layers: [2, 8, 3], seed: 3 });
    const otherDoc = await other.toJSON();
    other.dispose();
    const path = join(dir, 'mixed.json');
    writeFileSync(path, JSON.stringify({ ...doc, weights: otherDoc.weights }));
    const before = memory();
    const e = await rejection(NeuralNetwork.load(path));
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toBe(
      `${path}: weights.0.weight: the config's layers need shape [4,2], the file has [8,2]`,
    );
    // Weights that fit the config's keys and shapes but not their byte counts: made, then freed.
    const weights = structuredClone(doc.weights) as Record<string, { data: string }>;
    weights['2.bias'].data = 'AAAA';
    writeFileSync(path, JSON.stringify({ ...doc, weights }));
    await expect(NeuralNetwork.load(path)).rejects.toThrow(
      /2\.bias: shape \[3\] needs 12 bytes of float32, the file has 3/,
    );
    const after = memory();
    expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
  });
});

describe('estimator labels', () => {
  it('checks a width-1 label column for whole class indices too (no truncation)', async () => {
    const net = new NeuralNetwork({ layers: [2, 3, 3], seed: 5 });
    const X = [
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const before = memory().numTensors;
    await expect(net.train(X, [[0], [1.5], [2]], { verbose: false })).rejects.toThrow(
      'train: label 1.5 at sample 1 is not a class index',
    );
    await expect(net.train(X, tensor([[0], [2.7], [1]]), { verbose: false })).rejects.toThrow(
      'train: label 2.700000047683716 at sample 1 is not a class index',
    );
    expect(memory().numTensors).toBe(before + 1); // the label tensor made for the call above
    net.dispose();
  });
});
