/** What the train bench needs from each library: the same models, loop and data. */
import type { Profiler } from '@nn/tensor';
import type { Split } from '../data/mnist.js';

export type ModelName = 'mlp' | 'cnn';

export const BATCH_SIZE = 64;
export const LEARNING_RATE = 1e-3;

/** One model on one impl, trained with Adam(1e-3) on batches of 64 in the order given. */
export interface Trainer {
  /**
   * Trains one epoch; resolves when the work is done (not just queued). With a profiler, each step
   * is a region `step` holding the regions `data`, `forward`, `backward` and `optimizer`.
   */
  epoch(train: Split, order: Int32Array, profiler?: Profiler): Promise<void>;
  /**
   * Puts the training split where the impl reads its batches from, before the timed epochs (as
   * the PyTorch script makes its tensors before its clock starts); `epoch` does it if not done.
   */
  load?(train: Split): void;
  /** Fraction of `test` classified correctly. */
  accuracy(test: Split): Promise<number>;
  dispose(): void;
}

export interface TrainerFactory {
  readonly impl: string;
  /** Whether `epoch` takes a profiler (nn impls). */
  readonly profiles?: boolean;
  /** Why this impl cannot train `model`, or null. */
  unsupported(model: ModelName): string | null;
  /** A freshly initialised model (seed fixed where the library allows). */
  create(model: ModelName, seed: number): Promise<Trainer>;
}
