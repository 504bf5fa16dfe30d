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
import { Accuracy, fit, LambdaCallback } from '../src/index.js';
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
});
