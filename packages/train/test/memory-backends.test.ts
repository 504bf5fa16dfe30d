import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { wasm } from '@nn/backend-wasm';
import { webgpu } from '@nn/backend-webgpu';
import { DataLoader, TensorDataset } from '@nn/data';
import { mseLoss } from '@nn/losses';
import { Adam } from '@nn/optim';
import { type Backend, manualSeed, memory, randn, use } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { webgpuOrReason } from '../../../vitest.shared.js';
import { Accuracy, fit, LambdaCallback, ModelFileError, NeuralNetwork } from '../src/index.js';
import { linearModel } from './helpers.js';

const gpu = await webgpuOrReason(() => webgpu());
const BACKENDS: [string, () => Backend | Promise<Backend>, string | null][] = [
  ['cpu', () => cpu(), null],
  ['wasm', () => wasm(), null],
  ['webgpu', () => gpu as Backend, typeof gpu === 'string' ? gpu : null],
];

describe.each(BACKENDS)('fit on %s', (name, make, missing) => {
  it.skipIf(missing !== null)(
    'keeps memory flat over 600 steps with Adam, metrics and validation',
    async () => {
      use(await make());
      installAutograd();
      manualSeed(9);
      const x = randn([600, 3]);
      const y = x.sum({ dim: 1, keepdim: true });
      const model = linearModel(3, 1);
      const opt = new Adam(model.parameters(), { lr: 1e-2 });
      const counts: number[] = [];
      const before = memory().backends[name]?.numTensors ?? 0;
      await fit(model, {
        loss: mseLoss,
        optimizer: opt,
        train: new DataLoader(new TensorDataset(x, y), { batchSize: 2, shuffle: true }),
        validation: [x, y],
        epochs: 2,
        metrics: ['mae', new Accuracy()],
        logEvery: 50,
        callbacks: [
          new LambdaCallback({
            onBatchEnd: (b) => void (b % 100 === 99 && counts.push(memory().backends[name].numTensors)),
          }),
        ],
        progress: false,
      });
      expect(counts).toHaveLength(6);
      expect(new Set(counts).size).toBe(1);
      // What remains is Adam's two moment buffers per parameter.
      expect(memory().backends[name].numTensors).toBe(before + 4);
    },
    120_000,
  );

  it.skipIf(missing !== null)(
    'a model file that does not fit its network fails and frees everything it made',
    async () => {
      use(await make());
      installAutograd();
      const net = new NeuralNetwork({ layers: [2, 4, 3], seed: 2 });
      const doc = await net.toJSON();
      net.dispose();
      const other = new NeuralNetwork({ layers: [2, 8, 3], seed: 3 });
      const otherDoc = await other.toJSON();
      other.dispose();
      const weights = structuredClone(doc.weights) as Record<string, { data: string }>;
      weights['2.bias'].data = 'AAAA'; // the right keys and shapes, too few bytes
      const bad: [unknown, RegExp][] = [
        // another architecture's weights: refused before anything is allocated
        [{ ...doc, weights: otherDoc.weights }, /need shape \[4,2\], the file has \[8,2\]/],
        // a config that asks for 1.6 GB: refused against the weights, before allocating
        [
          { ...doc, config: { ...(doc.config as object), layers: [2, 2e8, 3] } },
          /need shape \[200000000,2\]/,
        ],
        // weights decoded, then one fails: the network and the decoded tensors are freed
        [{ ...doc, weights }, /2\.bias: shape \[3\] needs 12 bytes of float32, the file has 3/],
        // a scaler that fails after the weights loaded
        [{ ...doc, targetScaler: { mean: 1 } }, /bad target scaler/],
      ];
      const before = memory().backends[name];
      for (const [file, says] of bad) {
        expect(() => NeuralNetwork.fromJSON(file, { where: 'm.json' })).toThrow(ModelFileError);
        expect(() => NeuralNetwork.fromJSON(file, { where: 'm.json' })).toThrow(says);
      }
      const after = memory().backends[name];
      // Tensors, their bytes, and the bytes the backend itself holds (no detached storage).
      expect([after.numTensors, after.numBytes, after.bytesInUse]).toEqual([
        before.numTensors,
        before.numBytes,
        before.bytesInUse,
      ]);
    },
    120_000,
  );
});
