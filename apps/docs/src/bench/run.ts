/** Runs the benchmark: per library, a warm-up on a throwaway model, then one timed epoch. */
import { loadMnistArrays } from '@nn/data';
import { epochOrder, type Library, type ModelName, type Split } from './spec.js';

export interface BenchResult {
  impl: string;
  model: ModelName;
  secondsPerEpoch?: number;
  accuracy?: number;
  skipped?: string;
}

export async function loadDigits(trainSize: number): Promise<{ train: Split; test: Split }> {
  const { train, test } = await loadMnistArrays({ train: 8000, test: 2000, seed: 0 });
  return { train: { ...train, n: Math.min(trainSize, train.n) }, test };
}

export async function benchOne(
  lib: Library,
  model: ModelName,
  train: Split,
  test: Split,
): Promise<BenchResult> {
  const why = await lib.unavailable(model);
  if (why) return { impl: lib.impl, model, skipped: why };
  const order = epochOrder(train.n, 1);
  // Warm-up: kernels compiled, shaders built, JIT done — on a model that is thrown away.
  const warm = await lib.create(model);
  try {
    await warm.epoch(train, order, 0, Math.min(train.n, 3 * 64));
  } finally {
    warm.dispose();
  }
  const trainer = await lib.create(model);
  try {
    const start = performance.now();
    await trainer.epoch(train, order);
    const secondsPerEpoch = (performance.now() - start) / 1000;
    return { impl: lib.impl, model, secondsPerEpoch, accuracy: await trainer.accuracy(test) };
  } finally {
    trainer.dispose();
  }
}
