/**
 * The playground's training session: the MNIST CNN trained with @nn/train's `fit` on the
 * backend the reader picked, reporting every few batches so the page can draw the curves and
 * the memory panel, stoppable between batches, and leaving exactly the model's tensors alive.
 */
import { DataLoader, loadMnist, TensorDataset } from '@nn/data';
import type { Sequential } from '@nn/layers';
import { CrossEntropyLoss } from '@nn/losses';
import { Adam } from '@nn/optim';
import {
  dispose,
  type MemoryInfo,
  manualSeed,
  memory,
  type Tensor,
  tensor,
  tidy,
  withGradMode,
} from '@nn/tensor';
import { type EpochLogs, fit } from '@nn/train';
import { activateBackend, type BackendName } from '../runner/backends.js';
import { buildMnistCnn } from './model.js';

export interface TrainSettings {
  backend: BackendName;
  epochs: number;
  lr: number;
  batchSize?: number;
  /** Training digits (default 8,000); the 2,000 test digits are always the same. */
  trainSize?: number;
  seed?: number;
}

export interface BatchReport {
  epoch: number;
  /** Batches done in this epoch, and per epoch. */
  batch: number;
  batches: number;
  /** Batches done since training began. */
  step: number;
  /** Mean training loss of the epoch so far (read every `logEvery` batches). */
  loss?: number;
  examplesPerSecond: number;
}

export interface EpochReport {
  epoch: number;
  logs: EpochLogs;
}

export interface TrainHooks {
  onBatch?(r: BatchReport): void;
  onEpoch?(r: EpochReport): void;
  onMemory?(m: MemoryInfo): void;
  onStatus?(s: string): void;
}

export interface TrainResult {
  epochs: EpochReport[];
  stopped: boolean;
  testAccuracy: number | null;
  /** Live tensors once the model was built (training starts from here) and after cleaning up. */
  tensorsAtStart: number;
  tensorsAtEnd: number;
  seconds: number;
}

const PIXELS = 784;

/** Gives the browser a turn (renders, input) without the 1 s clamp timers get in hidden tabs. */
function yieldToBrowser(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

export class PlaygroundSession {
  model: Sequential | null = null;
  backend: BackendName | null = null;
  running = false;
  #stop = false;

  /** Asks a running `train` to stop after the current batch. */
  stop(): void {
    this.#stop = true;
  }

  /** Frees the model (its parameters and buffers). */
  disposeModel(): void {
    if (!this.model) return;
    dispose([...this.model.parameters(), ...this.model.buffers()]);
    this.model = null;
  }

  async train(settings: TrainSettings, hooks: TrainHooks = {}): Promise<TrainResult> {
    if (this.running) throw new Error('playground: already training');
    this.running = true;
    this.#stop = false;
    const started = performance.now();
    const toFree: Tensor[] = [];
    let optimizer: Adam | null = null;
    try {
      hooks.onStatus?.(`starting ${settings.backend}…`);
      await activateBackend(settings.backend);
      this.disposeModel();
      manualSeed(settings.seed ?? 0);
      this.model = buildMnistCnn();
      this.backend = settings.backend;
      const tensorsAtStart = memory().numTensors;
      hooks.onMemory?.(memory());

      hooks.onStatus?.('loading MNIST…');
      const { train, test } = await loadMnist({
        train: settings.trainSize ?? 8000,
        test: 2000,
        seed: 0,
        shape: 'cnn',
      });
      toFree.push(train.x, train.y, test.x, test.y);
      const batchSize = settings.batchSize ?? 32;
      const loader = new DataLoader(new TensorDataset(train.x, train.y), {
        batchSize,
        shuffle: true,
        seed: settings.seed ?? 0,
      });
      optimizer = new Adam(this.model.parameters(), { lr: settings.lr });
      const batches = loader.length;
      const epochs: EpochReport[] = [];
      let step = 0;
      let stopped = false;
      let lastYield = performance.now();
      let epochStart = performance.now();
      let seen = 0;
      // fit checks `stopTraining` between epochs; a stop mid-epoch ends the batch stream early.
      const session = this;
      const stoppable = {
        length: batches,
        async *[Symbol.asyncIterator]() {
          for await (const b of loader) {
            if (session.#stop) {
              stopped = true;
              return;
            }
            yield b;
          }
        },
      };
      hooks.onStatus?.('training…');
      await fit(this.model, {
        loss: new CrossEntropyLoss(),
        optimizer,
        train: stoppable,
        validation: [test.x, test.y],
        epochs: settings.epochs,
        metrics: ['accuracy'],
        progress: false,
        logEvery: 10,
        callbacks: [
          {
            onEpochBegin: () => {
              epochStart = performance.now();
              seen = 0;
            },
            onBatchEnd: async (batch, logs, ctx) => {
              step++;
              seen += logs.size;
              const seconds = (performance.now() - epochStart) / 1000;
              if (logs.loss !== undefined || batch === batches - 1) {
                hooks.onBatch?.({
                  epoch: ctx.history.length,
                  batch: batch + 1,
                  batches,
                  step,
                  loss: logs.loss,
                  examplesPerSecond: seconds > 0 ? seen / seconds : 0,
                });
                hooks.onMemory?.(memory());
              }
              if (this.#stop) ctx.stopTraining = true;
              if (performance.now() - lastYield > 30) {
                await yieldToBrowser();
                lastYield = performance.now();
              }
            },
            onEpochEnd: (epoch, logs, ctx) => {
              if (this.#stop) ctx.stopTraining = true;
              const r = { epoch, logs: { ...logs } };
              epochs.push(r);
              hooks.onEpoch?.(r);
              hooks.onMemory?.(memory());
            },
          },
        ],
      });
      optimizer.dispose();
      optimizer = null;
      dispose(toFree);
      toFree.length = 0;
      const last = epochs[epochs.length - 1];
      const result: TrainResult = {
        epochs,
        stopped,
        testAccuracy: last?.logs.valAccuracy ?? null,
        tensorsAtStart,
        tensorsAtEnd: memory().numTensors,
        seconds: (performance.now() - started) / 1000,
      };
      hooks.onMemory?.(memory());
      return result;
    } finally {
      optimizer?.dispose();
      dispose(toFree);
      this.running = false;
    }
  }

  /** Class probabilities (10) of one 28×28 image with pixels in [0, 1]. */
  async predict(pixels: Float32Array): Promise<Float32Array> {
    if (!this.model || !this.backend) throw new Error('playground: train a model first');
    if (pixels.length !== PIXELS)
      throw new Error(`playground: expected ${PIXELS} pixels, got ${pixels.length}`);
    await activateBackend(this.backend);
    const model = this.model;
    model.eval();
    const probs = withGradMode(false, () =>
      tidy(() => model.call(tensor(pixels, { shape: [1, 1, 28, 28] })).softmax(1)),
    );
    try {
      return Float32Array.from(await probs.data());
    } finally {
      probs.dispose();
      model.train();
    }
  }
}
