/**
 * The bench models in tfjs-layers (NHWC, its native layout), trained with model.fit, as a
 * tfjs user would: softmax output, categorical cross-entropy, Adam(1e-3), batches of 64.
 */
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { CLASSES, PIXELS, type Split } from '../data/mnist.js';
import type { TfjsImpl } from '../impls/tfjs.js';
import { BATCH_SIZE, LEARNING_RATE, type ModelName, type Trainer, type TrainerFactory } from './trainer.js';

type Tfl = typeof TfLayers;

let layersPromise: Promise<Tfl> | undefined;

function loadLayers(): Promise<Tfl> {
  layersPromise ??= import('@tensorflow/tfjs-layers') as Promise<Tfl>;
  return layersPromise;
}

function build(tfl: Tfl, model: ModelName): TfLayers.Sequential {
  const m = tfl.sequential();
  if (model === 'mlp') {
    m.add(tfl.layers.dense({ inputShape: [PIXELS], units: 128, activation: 'relu' }));
    m.add(tfl.layers.dense({ units: CLASSES, activation: 'softmax' }));
  } else {
    m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: CLASSES, activation: 'softmax' }));
  }
  return m;
}

export function tfjsTrainer(impl: TfjsImpl): TrainerFactory {
  const tf = impl.tf;
  const inputShape = (model: ModelName, n: number): number[] =>
    model === 'mlp' ? [n, PIXELS] : [n, 28, 28, 1];
  return {
    impl: impl.impl,
    unsupported(model) {
      const kernelName = 'Conv2DBackpropFilter';
      if (model === 'cnn' && !tf.getKernel(kernelName, impl.impl.slice('tfjs-'.length))) {
        return `${impl.impl} has no ${kernelName} kernel, so it cannot train a CNN`;
      }
      return null;
    },
    async create(model, seed) {
      await impl.activate();
      const tfl = await loadLayers();
      // tfjs-layers draws initial weights from Math.random-based seeds; a fixed seed per layer is not
      // exposed for the whole model, so runs differ slightly in accuracy, not in time.
      void seed;
      const m = build(tfl, model);
      const optimizer = tf.train.adam(LEARNING_RATE);
      m.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const trainer: Trainer = {
        async epoch(train: Split, order: Int32Array) {
          // Batches in our order (shuffle off), so every impl sees the same sequence.
          const xs = new Float32Array(train.size * PIXELS);
          const ys = new Int32Array(train.size);
          for (let s = 0; s < train.size; s++) {
            const k = order[s];
            xs.set(train.x.subarray(k * PIXELS, (k + 1) * PIXELS), s * PIXELS);
            ys[s] = train.y[k];
          }
          const x = tf.tensor(xs, inputShape(model, train.size));
          const labels = tf.tensor1d(ys, 'int32');
          const y = tf.oneHot(labels, CLASSES);
          try {
            await m.fit(x, y, { batchSize: BATCH_SIZE, epochs: 1, shuffle: false, verbose: 0 });
            // Reading a weight waits for any queued work (webgpu).
            await m.getWeights()[0].data();
          } finally {
            tf.dispose([x, labels, y]);
          }
        },
        async accuracy(test: Split) {
          let correct = 0;
          const chunk = 500;
          for (let from = 0; from < test.size; from += chunk) {
            const n = Math.min(chunk, test.size - from);
            const pred = tf.tidy(() => {
              const x = tf.tensor(test.x.subarray(from * PIXELS, (from + n) * PIXELS), inputShape(model, n));
              return tf.argMax(m.predict(x) as ReturnType<typeof tf.tensor>, -1);
            });
            const p = await pred.data();
            pred.dispose();
            for (let i = 0; i < n; i++) if (p[i] === test.y[from + i]) correct++;
          }
          return correct / test.size;
        },
        dispose() {
          m.dispose();
          optimizer.dispose();
        },
      };
      return trainer;
    },
  };
}
