// Training and evaluation of a NamesGPT on next-character sequences, one batch of names per step.
import type { CharVocabulary } from '@nn/data';
import { crossEntropy } from '@nn/losses';
import { AdamW, LambdaLR } from '@nn/optim';
import { mul, reshape, type Tensor, tensor, tidy, withGradMode } from '@nn/tensor';
import type { NamesGPT } from './model.js';
import { seededRandom } from './random.js';

/** How the model is optimised; with `GPTConfig`, everything needed to repeat a run. */
export interface TrainConfig {
  steps: number;
  batchSize: number;
  /** Peak AdamW learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to `lr`, then cosine decay to `lr * minLrRatio` at the last step. */
  warmup: number;
  minLrRatio: number;
  weightDecay: number;
  /** Seed of the batch order. */
  seed: number;
}

/** Next-character rows of some names, on the host: `x`/`y` [n, context], y = -100 past each name's end. */
export interface NameRows {
  x: Int32Array;
  y: Int32Array;
  /** Tokens in each row's input (the name plus its start token). */
  lengths: Int32Array;
  n: number;
  context: number;
}

export function nameRows(vocab: CharVocabulary, names: readonly string[], context: number): NameRows {
  const s = vocab.sequenceArrays(names, context);
  const lengths = Int32Array.from(names, (name) => [...name].length + 1);
  return { x: s.x, y: s.y, lengths, n: s.n, context };
}

/** The lr multiplier of step t: linear warm-up, then cosine down to `minLrRatio`. */
export function lrFactor(t: number, c: Pick<TrainConfig, 'steps' | 'warmup' | 'minLrRatio'>): number {
  if (t < c.warmup) return (t + 1) / c.warmup;
  const span = Math.max(1, c.steps - c.warmup);
  const progress = Math.min(1, (t - c.warmup) / span);
  return c.minLrRatio + (1 - c.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** Row indices of a batch, drawn as consecutive slices of a reshuffled order (every row once per epoch). */
export function batchOrder(n: number, batchSize: number, seed: number): () => Int32Array {
  const random = seededRandom(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let at = n;
  return () => {
    const out = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      if (at >= n) {
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        at = 0;
      }
      out[b] = order[at++];
    }
    return out;
  };
}

/** The rows `idx` of `rows`, cut to the longest input among them, on the host: x, y [b, len]. */
export function batchArrays(
  rows: NameRows,
  idx: ArrayLike<number>,
): { x: Int32Array; y: Int32Array; shape: [number, number] } {
  let len = 1;
  for (let i = 0; i < idx.length; i++) len = Math.max(len, rows.lengths[idx[i]]);
  const x = new Int32Array(idx.length * len);
  const y = new Int32Array(idx.length * len);
  for (let i = 0; i < idx.length; i++) {
    const from = idx[i] * rows.context;
    x.set(rows.x.subarray(from, from + len), i * len);
    y.set(rows.y.subarray(from, from + len), i * len);
  }
  return { x, y, shape: [idx.length, len] };
}

/** `batchArrays` as int32 tensors on the current backend. */
export function gatherBatch(rows: NameRows, idx: ArrayLike<number>): { x: Tensor; y: Tensor } {
  const b = batchArrays(rows, idx);
  return { x: tensor(b.x, { shape: b.shape }), y: tensor(b.y, { shape: b.shape }) };
}

/** Mean cross-entropy per predicted character (targets -100 ignored), as a scalar tensor. */
export function lossOf(model: NamesGPT, x: Tensor, y: Tensor): Tensor {
  const logits = model.call(x);
  const v = logits.shape[2];
  return crossEntropy(reshape(logits, [-1, v]), reshape(y, [-1]));
}

/**
 * Mean loss in nats per character over all of `rows` (each name's characters and its end token),
 * in evaluation mode, batch by batch.
 */
export async function evaluateLoss(model: NamesGPT, rows: NameRows, batchSize = 256): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  let count = 0;
  try {
    for (let from = 0; from < rows.n; from += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, rows.n - from) }, (_, i) => from + i);
      let chars = 0;
      for (const i of idx) chars += rows.lengths[i];
      const sum = withGradMode(false, () =>
        tidy(() => {
          const { x, y } = gatherBatch(rows, idx);
          return mul(lossOf(model, x, y), chars);
        }),
      );
      total += await sum.item();
      sum.dispose();
      count += chars;
    }
  } finally {
    model.train(wasTraining);
  }
  return total / count;
}

export interface StepReport {
  step: number;
  lr: number;
  /** Training loss of this step's batch, read only every `readEvery` steps (else undefined). */
  loss?: number;
}

export interface TrainResult {
  /** (step, training loss) every `readEvery` steps. */
  losses: [number, number][];
  seconds: number;
}

/**
 * `config.steps` AdamW steps on random batches of `rows` (weight decay on matrices only, as
 * GPT-2), calling `onStep` after each; the loss is read back from the device every `readEvery`
 * steps only, so the other steps never wait for it.
 */
export async function trainNames(
  model: NamesGPT,
  rows: NameRows,
  config: TrainConfig,
  onStep: (r: StepReport) => void | Promise<void> = () => {},
  readEvery = 25,
): Promise<TrainResult> {
  const params = model.parameters();
  const decay = params.filter((p) => p.ndim >= 2);
  const noDecay = params.filter((p) => p.ndim < 2);
  const optimizer = new AdamW(
    [
      { params: decay, weightDecay: config.weightDecay },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr: config.lr, betas: [0.9, 0.99] },
  );
  const schedule = new LambdaLR(optimizer, (t) => lrFactor(t, config));
  const next = batchOrder(rows.n, config.batchSize, config.seed);
  const losses: [number, number][] = [];
  model.train();
  const started = performance.now();
  try {
    for (let step = 0; step < config.steps; step++) {
      const lr = optimizer.paramGroups[0].lr;
      const loss = tidy(() => {
        optimizer.zeroGrad();
        const { x, y } = gatherBatch(rows, next());
        const l = lossOf(model, x, y);
        l.backward();
        optimizer.step();
        return l.detach();
      });
      schedule.step();
      let value: number | undefined;
      if ((step + 1) % readEvery === 0 || step === config.steps - 1) {
        value = await loss.item();
        losses.push([step + 1, value]);
      }
      loss.dispose();
      await onStep({ step: step + 1, lr, loss: value });
    }
  } finally {
    optimizer.zeroGrad();
    optimizer.dispose();
  }
  return { losses, seconds: (performance.now() - started) / 1000 };
}
