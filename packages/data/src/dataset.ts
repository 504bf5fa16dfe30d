import {
  fmtShape,
  IndexError,
  isTensor,
  ShapeError,
  stack,
  type Tensor,
  tensor,
  tidy,
  ValueError,
} from '@nn/tensor';

/**
 * A map-style dataset, as PyTorch's: a length and one example per index. An example is a list of
 * tensors (`[x, y]`); the loader stacks examples into batches. Datasets that can cut a whole
 * batch at once (as `TensorDataset` does) also implement `getBatch`, which the loader prefers.
 */
export abstract class Dataset {
  abstract get length(): number;
  /** Example `index` as a list of tensors; the caller owns (and disposes) them. */
  abstract get(index: number): Tensor[];
  /** Optional fast path: the examples at `indices`, already stacked along a new first dim. */
  getBatch?(indices: Int32Array): Tensor[];
}

/** Checks `i` is an integer index into a dataset of `n` examples. */
export function checkIndex(op: string, i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new IndexError(`${op}: index ${i} is out of range for a dataset of ${n} examples`);
  }
}

/**
 * Tensors that share their first dimension; example i is `[t0[i], t1[i], ...]`. Batches are cut
 * on the tensors' own backend: a run of consecutive indices is a zero-copy view (`narrow`), any
 * other set of indices one `indexSelect` per tensor, so data never goes back to the host.
 * The dataset does not own its tensors: dispose them yourself when done.
 *
 * @example
 * ```ts
 * const ds = new TensorDataset(randn([100, 4]), randint(0, 3, [100]));
 * console.log(ds.length); // 100
 * const [x0, y0] = ds.get(0);
 * ```
 */
export class TensorDataset extends Dataset {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new ValueError('TensorDataset: expected at least one tensor');
    for (const t of tensors) {
      if (!isTensor(t)) throw new ValueError(`TensorDataset: expected tensors, got ${typeof t}`);
      if (t.ndim === 0)
        throw new ShapeError('TensorDataset: tensors need a first (example) dimension, got a scalar');
    }
    const n = tensors[0].shape[0];
    const bad = tensors.find((t) => t.shape[0] !== n);
    if (bad) {
      throw new ShapeError(
        `TensorDataset: every tensor needs the same first dimension, got ${tensors.map((t) => fmtShape(t.shape)).join(', ')}`,
      );
    }
    const backend = tensors[0].backendName;
    if (tensors.some((t) => t.backendName !== backend)) {
      throw new ValueError(
        `TensorDataset: tensors live on different backends (${tensors.map((t) => t.backendName).join(', ')})`,
      );
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.narrow(0, index, 1).squeeze(0));
  }

  override getBatch(indices: Int32Array): Tensor[] {
    const n = this.length;
    for (const i of indices) checkIndex('TensorDataset.getBatch', i, n);
    if (isRun(indices)) return this.tensors.map((t) => t.narrow(0, indices[0], indices.length));
    return tidy(() => {
      const idx = tensor(indices, { backend: this.tensors[0].backendName });
      return this.tensors.map((t) => t.indexSelect(0, idx));
    });
  }
}

function isRun(indices: Int32Array): boolean {
  if (indices.length === 0) return false;
  for (let k = 1; k < indices.length; k++) if (indices[k] !== indices[0] + k) return false;
  return true;
}

/** The examples of `dataset` at `indices` (a view: nothing is copied). */
export class Subset extends Dataset {
  readonly dataset: Dataset;
  readonly indices: Int32Array;

  constructor(dataset: Dataset, indices: ArrayLike<number>) {
    super();
    this.dataset = dataset;
    this.indices = Int32Array.from(indices);
    for (const i of this.indices) checkIndex('Subset', i, dataset.length);
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): Tensor[] {
    checkIndex('Subset.get', index, this.length);
    return this.dataset.get(this.indices[index]);
  }

  override getBatch(indices: Int32Array): Tensor[] {
    const mapped = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      checkIndex('Subset.getBatch', indices[k], this.length);
      mapped[k] = this.indices[indices[k]];
    }
    if (this.dataset.getBatch) return this.dataset.getBatch(mapped);
    return collate(this.dataset, mapped);
  }
}

/** Stacks examples into one tensor per field: the slow path for datasets without `getBatch`. */
export function collate(dataset: Dataset, indices: Int32Array): Tensor[] {
  if (indices.length === 0) throw new ValueError('collate: cannot make an empty batch');
  return tidy(() => {
    const examples = Array.from(indices, (i) => dataset.get(i));
    const fields = examples[0].length;
    if (examples.some((e) => e.length !== fields)) {
      throw new ShapeError('collate: examples have different numbers of fields');
    }
    const out: Tensor[] = [];
    for (let f = 0; f < fields; f++) out.push(stack(examples.map((e) => e[f])));
    return out;
  });
}
