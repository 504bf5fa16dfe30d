// Sampling names from a NamesGPT, one position per step through the key/value cache.
import type { CharVocabulary } from '@nn/data';
import { div, softmax, type Tensor, tensor, tidy, ValueError } from '@nn/tensor';
import { decodeStep, KVCache } from './kv-cache.js';
import type { NamesGPT } from './model.js';
import { seededRandom } from './random.js';

export interface SampleOptions {
  /** Names to draw (default 20), all decoded together as one batch. */
  count?: number;
  /** Divides the logits: below 1 sharper and more common names, above 1 more varied (default 1). */
  temperature?: number;
  /** Seed of the draws (default 0). */
  seed?: number;
}

/** Index drawn from the probabilities `p[from..from+n)` with the uniform number `u`. */
function draw(p: ArrayLike<number>, from: number, n: number, u: number): number {
  let acc = 0;
  for (let j = 0; j < n; j++) {
    acc += p[from + j];
    if (u < acc) return j;
  }
  return n - 1;
}

/**
 * Draws names character by character: each sequence starts with the boundary token and ends at
 * the first boundary drawn (or when the context is full). One decode step per character for the
 * whole batch; the probabilities are read back to draw the next characters on the host.
 */
export async function sampleNames(
  model: NamesGPT,
  vocab: CharVocabulary,
  options: SampleOptions = {},
): Promise<string[]> {
  const count = options.count ?? 20;
  const temperature = options.temperature ?? 1;
  if (!Number.isInteger(count) || count < 1)
    throw new ValueError(`sampleNames: count must be a positive integer, got ${count}`);
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new ValueError(`sampleNames: temperature must be a positive number, got ${temperature}`);
  if (vocab.size !== model.config.vocabSize)
    throw new ValueError(
      `sampleNames: the vocabulary has ${vocab.size} tokens, the model ${model.config.vocabSize}`,
    );
  const random = seededRandom(options.seed ?? 0);
  const v = vocab.size;
  const ids: number[][] = Array.from({ length: count }, () => []);
  const done = new Array<boolean>(count).fill(false);
  const wasTraining = model.training;
  model.eval();
  const cache = new KVCache(model.config.layers);
  let next = new Int32Array(count);
  try {
    while (cache.length < model.config.context && done.includes(false)) {
      const tokens = tensor(next, { shape: [count] });
      let probs: Tensor;
      try {
        const logits = decodeStep(model, tokens, cache);
        probs = tidy(() => softmax(div(logits, temperature), -1));
        logits.dispose();
      } finally {
        tokens.dispose();
      }
      const p = await probs.data();
      probs.dispose();
      next = new Int32Array(count);
      for (let r = 0; r < count; r++) {
        // Every row draws, finished or not, so a name does not depend on when the others end.
        const id = draw(p, r * v, v, random());
        if (done[r]) continue;
        if (id === 0) done[r] = true;
        else ids[r].push(id);
        next[r] = id;
      }
    }
  } finally {
    cache.dispose();
    model.train(wasTraining);
  }
  return ids.map((row) => vocab.decode(row));
}
