/**
 * TensorFlow.js as a benchmark library, trained as a TF.js user would (tf.sequential,
 * softmax output, categorical cross-entropy, model.fit without shuffling, on our batch order).
 * Loaded only when the benchmark runs, so no other page carries it.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import {
  BATCH_SIZE,
  CLASSES,
  LEARNING_RATE,
  type Library,
  type ModelName,
  PIXELS,
  type Split,
} from './spec.js';

type Tf = typeof TfCore;
type Kind = 'cpu' | 'wasm' | 'webgpu';

let loaded: Promise<{ tf: Tf; tfl: typeof TfLayers }> | undefined;

function load(): Promise<{ tf: Tf; tfl: typeof TfLayers }> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    tf.env().set('PROD', true);
    return { tf, tfl };
  })();
  return loaded;
}

const ready = new Map<Kind, Promise<string | null>>();

async function prepare(tf: Tf, kind: Kind): Promise<string | null> {
  if (kind === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (kind === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const [plain, simd, threaded] = await Promise.all([
      import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
      import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
      import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
    ]);
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': plain.default,
      'tfjs-backend-wasm-simd.wasm': simd.default,
      'tfjs-backend-wasm-threaded-simd.wasm': threaded.default,
    });
  }
  if (kind === 'webgpu') {
    if (!('gpu' in navigator)) return 'this browser has no WebGPU';
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const ok = await tf.setBackend(kind);
  if (!ok) return `tf.setBackend('${kind}') failed`;
  await tf.ready();
  return null;
}

function build(tfl: typeof TfLayers, model: ModelName): TfLayers.Sequential {
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

export function tfjsLibrary(kind: Kind): Library {
  const shape = (model: ModelName, n: number): number[] => (model === 'mlp' ? [n, PIXELS] : [n, 28, 28, 1]);
  return {
    impl: `tfjs-${kind}`,
    async unavailable(model) {
      const { tf } = await load();
      let p = ready.get(kind);
      if (!p) {
        p = prepare(tf, kind).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
        ready.set(kind, p);
      }
      const why = await p;
      if (why) return why;
      if (model === 'cnn' && !tf.getKernel('Conv2DBackpropFilter', kind)) {
        return `tfjs-${kind} has no Conv2DBackpropFilter kernel, so it cannot train a CNN`;
      }
      return null;
    },
    async create(model) {
      const { tf, tfl } = await load();
      await tf.setBackend(kind);
      const m = build(tfl, model);
      const optimizer = tf.train.adam(LEARNING_RATE);
      m.compile({ optimizer, loss: 'categoricalCrossentropy' });
      return {
        async epoch(train: Split, order: Int32Array, from = 0, to = train.n) {
          await tf.setBackend(kind);
          const n = to - from;
          const xs = new Float32Array(n * PIXELS);
          const ys = new Int32Array(n);
          for (let s = 0; s < n; s++) {
            const k = order[from + s];
            xs.set(train.x.subarray(k * PIXELS, (k + 1) * PIXELS), s * PIXELS);
            ys[s] = train.y[k];
          }
          const x = tf.tensor(xs, shape(model, n));
          const labels = tf.tensor1d(ys, 'int32');
          const y = tf.oneHot(labels, CLASSES);
          try {
            await m.fit(x, y, { batchSize: BATCH_SIZE, epochs: 1, shuffle: false, verbose: 0 });
            await m.getWeights()[0].data();
          } finally {
            tf.dispose([x, labels, y]);
          }
        },
        async accuracy(test: Split) {
          await tf.setBackend(kind);
          let correct = 0;
          for (let from = 0; from < test.n; from += 500) {
            const n = Math.min(500, test.n - from);
            const pred = tf.tidy(() =>
              tf.argMax(
                m.predict(
                  tf.tensor(test.x.subarray(from * PIXELS, (from + n) * PIXELS), shape(model, n)),
                ) as TfCore.Tensor,
                -1,
              ),
            );
            const p = await pred.data();
            pred.dispose();
            for (let i = 0; i < n; i++) if (p[i] === test.y[from + i]) correct++;
          }
          return correct / test.n;
        },
        dispose() {
          m.dispose();
          optimizer.dispose();
        },
      };
    },
  };
}
