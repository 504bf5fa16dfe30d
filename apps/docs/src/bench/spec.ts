/**
 * What the benchmark page measures, mirroring `pnpm bench train` in apps/bench: the same two
 * models (MLP 784-128-10; CNN conv8-pool-conv16-pool-linear), batches of 64, Adam(1e-3),
 * cross-entropy, one epoch over the training digits in one seeded order shared by every library,
 * then accuracy on the 2,000 test digits.
 */
export type ModelName = 'mlp' | 'cnn';
export const BATCH_SIZE = 64;
export const LEARNING_RATE = 1e-3;
export const PIXELS = 784;
export const CLASSES = 10;

export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface Trainer {
  /** One epoch over `train` in `order`; resolves when the work is done, not just queued. */
  epoch(train: Split, order: Int32Array, from?: number, to?: number): Promise<void>;
  accuracy(test: Split): Promise<number>;
  dispose(): void;
}

export interface Library {
  /** nn-cpu, tfjs-wasm, ... */
  impl: string;
  /** Why it cannot run here, or null. */
  unavailable(model: ModelName): Promise<string | null>;
  create(model: ModelName): Promise<Trainer>;
}

/** The images and labels at `order[from..to)` as contiguous batch arrays. */
export function gatherBatch(
  split: Split,
  order: Int32Array,
  from: number,
  to: number,
): { x: Float32Array; y: Int32Array } {
  const n = to - from;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const k = order[from + s];
    x.set(split.x.subarray(k * PIXELS, (k + 1) * PIXELS), s * PIXELS);
    y[s] = split.y[k];
  }
  return { x, y };
}

/** A seeded permutation (xorshift), the same for every library in a run. */
export function epochOrder(n: number, seed: number): Int32Array {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
