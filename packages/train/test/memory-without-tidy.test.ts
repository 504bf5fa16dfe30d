// Memory without tidy, as a PyTorch user writes it: no tidy, no dispose anywhere. Module calls,
// losses and optimizer steps scope their own intermediates; what the loop itself drops (the
// outputs, the losses, its inputs) is collected when memory grows (see @nn/tensor's pressure.ts).
import { installAutograd, noGrad } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { wasm } from '@nn/backend-wasm';
import { webgpu } from '@nn/backend-webgpu';
import { Linear, ReLU, Sequential } from '@nn/layers';
import { crossEntropy } from '@nn/losses';
import { Adam } from '@nn/optim';
import {
  argmax,
  type Backend,
  collectGarbage,
  dispose,
  manualSeed,
  memory,
  randn,
  tensor,
  use,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { webgpuOrReason } from '../../../vitest.shared.js';

const STEPS = 10_000;
const gpu = await webgpuOrReason(() => webgpu());
const BACKENDS: [string, () => Backend | Promise<Backend>, string | null][] = [
  ['cpu', () => cpu(), null],
  ['wasm', () => wasm(), null],
  ['webgpu', () => gpu as Backend, typeof gpu === 'string' ? gpu : null],
];

/** Bytes the backend holds for tensors now: the figure that must not grow. */
const inUse = (name: string): number => memory().backends[name].bytesInUse;

/** The largest value seen over steps 1..100, and over all steps. */
class Peaks {
  early = 0;
  all = 0;
  note(step: number, bytes: number): void {
    if (step <= 100) this.early = Math.max(this.early, bytes);
    this.all = Math.max(this.all, bytes);
  }
}

function setup(): { model: Sequential; data: ReturnType<typeof randn> } {
  manualSeed(5);
  // 8,192 samples of 32 features on the device (1 MB), a small classifier of them.
  const data = randn([8192, 32]);
  const model = new Sequential(new Linear(32, 32), new ReLU(), new Linear(32, 4));
  return { model, data };
}

describe.each(BACKENDS)('memory without tidy on %s', (name, make, missing) => {
  it.skipIf(missing !== null)(
    `the PyTorch loop (forward, loss, backward, step, zeroGrad, read) stays bounded over ${STEPS} steps`,
    async () => {
      use(await make());
      installAutograd();
      await collectGarbage();
      const { model, data } = setup();
      const labels = argmax(data.narrow(1, 0, 4), { dim: 1 }); // a rule the model can learn
      const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
      const peaks = new Peaks();
      const losses: number[] = [];
      for (let step = 1; step <= STEPS; step++) {
        const from = ((step - 1) * 16) % 8192;
        const x = data.narrow(0, from, 16);
        const y = labels.narrow(0, from, 16);
        const loss = crossEntropy(model.call(x), y);
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        losses.push(await loss.item());
        peaks.note(step, inUse(name));
      }
      expect(peaks.all, `peak bytes over ${STEPS} steps vs over the first 100`).toBeLessThanOrEqual(
        1.5 * peaks.early,
      );
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(-100))).toBeLessThan(mean(losses.slice(0, 100)) / 2);
      optimizer.dispose();
      dispose([data, labels, ...model.parameters()]);
    },
    1_200_000,
  );

  it.skipIf(missing !== null)(
    `an inference loop, noGrad(() => model.call(x)) with an awaited read and no dispose, stays bounded over ${STEPS} steps`,
    async () => {
      use(await make());
      installAutograd();
      await collectGarbage();
      const { model, data } = setup();
      const host = new Float32Array(64 * 32);
      const peaks = new Peaks();
      for (let step = 1; step <= STEPS; step++) {
        host.fill((step % 13) / 13);
        // A fresh input every step (8 KB), dropped like the output.
        const x = tensor(host, { shape: [64, 32] });
        const out = noGrad(() => model.call(x));
        expect((await out.data()).length).toBe(64 * 4);
        peaks.note(step, inUse(name));
      }
      expect(peaks.all, `peak bytes over ${STEPS} steps vs over the first 100`).toBeLessThanOrEqual(
        1.5 * peaks.early,
      );
      dispose([data, ...model.parameters()]);
    },
    1_200_000,
  );
});
