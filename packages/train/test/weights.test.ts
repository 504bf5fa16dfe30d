import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader, TensorDataset } from '@nn/data';
import { Dropout, Linear, ReLU, Sequential } from '@nn/layers';
import { CrossEntropyLoss } from '@nn/losses';
import { Adam } from '@nn/optim';
import { manualSeed, randn, tensor } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit, loadWeights, ModelCheckpoint, ModelFileError, predict, saveWeights } from '../src/index.js';
import { setup } from './helpers.js';

beforeAll(setup);

const net = () => new Sequential(new Linear(4, 8), new ReLU(), new Dropout(0.5), new Linear(8, 3));

describe('weight files', () => {
  it('checkpoints an @nn/layers model during fit and loads it back exactly', async () => {
    manualSeed(11);
    const x = randn([48, 4]);
    const y = tensor(Int32Array.from({ length: 48 }, (_, i) => i % 3));
    const model = net();
    const dir = mkdtempSync(join(tmpdir(), 'nn-weights-'));
    const path = join(dir, 'best.json');
    const ckpt = new ModelCheckpoint({
      monitor: 'loss',
      saveBestOnly: false,
      save: () => saveWeights(model, path),
    });
    await fit(model, {
      loss: new CrossEntropyLoss(),
      optimizer: new Adam(model.parameters(), { lr: 1e-2 }),
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true }),
      epochs: 2,
      callbacks: [ckpt],
      progress: false,
    });
    expect(ckpt.savedEpochs).toEqual([0, 1]);
    // Dropout is off in predict, so the same weights give the same outputs.
    const expected = Array.from(predict(model, x).dataSync());
    const fresh = net();
    await loadWeights(fresh, path);
    expect(Array.from(predict(fresh, x).dataSync())).toEqual(expected);

    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length - 20));
    await expect(loadWeights(fresh, path)).rejects.toThrow(ModelFileError);
    const doc = JSON.parse(text);
    doc.tensors['0.weight'].data = 'AAAA';
    writeFileSync(path, JSON.stringify(doc));
    await expect(loadWeights(fresh, path)).rejects.toThrow(/needs 128 bytes/);
    expect(Array.from(predict(fresh, x).dataSync())).toEqual(expected);
  });
});
