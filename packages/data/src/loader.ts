import { dispose, type Tensor, ValueError } from '@nn/tensor';
import { collate, type Dataset } from './dataset.js';
import { Shuffler } from './permutation.js';

/**
 * Options of `DataLoader`: `batchSize` (1), `shuffle` (false), `dropLast` (false), `seed`, `disposeBatches` (true).
 */
export interface DataLoaderOptions {
  /** Examples per batch (default 1). */
  batchSize?: number;
  /** Draw a new order every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /**
   * Seed of the loader's own shuffle stream. Without it, shuffles come from the process-wide
   * generator, so `manualSeed(n)` before training makes the whole run reproducible.
   */
  seed?: number;
  /**
   * Free each batch when the loop moves to the next one or leaves (default true). Set false to
   * own the batches and dispose them yourself.
   */
  disposeBatches?: boolean;
}

/**
 * Batches of a dataset, in order or shuffled, as `Tensor[]` (`[x, y]` for a two-tensor dataset).
 * Iterate it with `for (const [x, y] of loader)` or `for await (...)`; each pass is one epoch.
 *
 * Memory: by default the loader owns each batch and frees it when the loop asks for the next
 * batch, breaks or throws, so the obvious loop never leaks. `clone()` a batch to keep it longer,
 * or pass `disposeBatches: false` and free batches yourself.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) {
 *   // each batch is freed when the loop moves on
 * }
 * ```
 */
export class DataLoader implements Iterable<Tensor[]>, AsyncIterable<Tensor[]> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly disposeBatches: boolean;
  readonly #shuffler: Shuffler;

  constructor(dataset: Dataset, options: DataLoaderOptions = {}) {
    if (!dataset || typeof dataset.get !== 'function') throw new ValueError('DataLoader: expected a Dataset');
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.disposeBatches = options.disposeBatches ?? true;
    this.#shuffler = new Shuffler(options.seed);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Examples per epoch (after `dropLast`). */
  get numExamples(): number {
    return this.dropLast ? this.length * this.batchSize : this.dataset.length;
  }

  /** The example order of one epoch, cut into batches of indices. */
  #plan(): Int32Array[] {
    const n = this.dataset.length;
    const order = this.shuffle ? this.#shuffler.next(n) : Int32Array.from({ length: n }, (_, i) => i);
    const batches: Int32Array[] = [];
    for (let from = 0; from < n; from += this.batchSize) {
      const to = Math.min(n, from + this.batchSize);
      if (to - from < this.batchSize && this.dropLast) break;
      batches.push(order.subarray(from, to));
    }
    return batches;
  }

  #cut(indices: Int32Array): Tensor[] {
    return this.dataset.getBatch ? this.dataset.getBatch(indices) : collate(this.dataset, indices);
  }

  *[Symbol.iterator](): Generator<Tensor[], void, undefined> {
    let current: Tensor[] | null = null;
    try {
      for (const indices of this.#plan()) {
        if (current && this.disposeBatches) dispose(current);
        current = this.#cut(indices);
        yield current;
      }
    } finally {
      if (current && this.disposeBatches) dispose(current);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Tensor[], void, undefined> {
    // Same batches as the sync iterator; async only so loops can await reads between steps.
    yield* this[Symbol.iterator]();
  }
}
