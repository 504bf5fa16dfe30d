/** nn as a benchmark library: a Sequential trained with the PyTorch loop, one tidy per step. */
import { Conv2d, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from '@nn/layers';
import { CrossEntropyLoss } from '@nn/losses';
import { Adam } from '@nn/optim';
import { dispose, getBackend, manualSeed, tensor, tidy, withGradMode } from '@nn/tensor';
import { activateBackend, type BackendName, webgpuUnavailable } from '../runner/backends.js';
import {
  BATCH_SIZE,
  CLASSES,
  gatherBatch,
  LEARNING_RATE,
  type Library,
  type ModelName,
  PIXELS,
  type Split,
} from './spec.js';

function build(model: ModelName): Sequential {
  if (model === 'mlp') return new Sequential(new Linear(PIXELS, 128), new ReLU(), new Linear(128, CLASSES));
  const pool = (): Module => new MaxPool2d(2) as unknown as Module;
  return new Sequential(
    new Conv2d(1, 8, 3),
    new ReLU(),
    pool(),
    new Conv2d(8, 16, 3),
    new ReLU(),
    pool(),
    new Flatten(),
    new Linear(16 * 5 * 5, CLASSES),
  );
}

const shapeOf = (model: ModelName, n: number): number[] => (model === 'mlp' ? [n, PIXELS] : [n, 1, 28, 28]);

export function nnLibrary(backend: BackendName): Library {
  return {
    impl: `nn-${backend}`,
    async unavailable() {
      return backend === 'webgpu' ? webgpuUnavailable() : null;
    },
    async create(model) {
      await activateBackend(backend);
      manualSeed(42);
      const net = build(model);
      const loss = new CrossEntropyLoss();
      const opt = new Adam(net.parameters(), { lr: LEARNING_RATE });
      return {
        async epoch(train: Split, order: Int32Array, from = 0, to = train.n) {
          await activateBackend(backend);
          net.train();
          for (let b = from; b < to; b += BATCH_SIZE) {
            const e = Math.min(to, b + BATCH_SIZE);
            const batch = gatherBatch(train, order, b, e);
            tidy(() => {
              opt.zeroGrad();
              const x = tensor(batch.x, { shape: shapeOf(model, e - b) });
              loss.call(net.call(x), tensor(batch.y)).backward();
              opt.step();
              return null;
            });
          }
          await getBackend(backend).sync?.();
        },
        async accuracy(test: Split) {
          await activateBackend(backend);
          net.eval();
          let correct = 0;
          for (let from = 0; from < test.n; from += 500) {
            const n = Math.min(500, test.n - from);
            const pred = withGradMode(false, () =>
              tidy(() =>
                net
                  .call(
                    tensor(test.x.subarray(from * PIXELS, (from + n) * PIXELS), { shape: shapeOf(model, n) }),
                  )
                  .argmax({ dim: 1 }),
              ),
            );
            const p = await pred.data();
            pred.dispose();
            for (let i = 0; i < n; i++) if (p[i] === test.y[from + i]) correct++;
          }
          return correct / test.n;
        },
        dispose() {
          opt.dispose();
          dispose([...net.parameters(), ...net.buffers()]);
        },
      };
    },
  };
}
