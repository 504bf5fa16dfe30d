import { isTensor, ShapeError, type Tensor, tensor, tidy, ValueError } from '@nn/tensor';
import { type Dataset, Subset } from './dataset.js';
import { Shuffler } from './permutation.js';

/**
 * Splits a dataset into non-overlapping random subsets. `lengths` are counts that sum to the
 * dataset's length, or fractions that sum to 1 (remainders go to the first subsets, as PyTorch).
 */
export function randomSplit(
  dataset: Dataset,
  lengths: readonly number[],
  options: { seed?: number } = {},
): Subset[] {
  const n = dataset.length;
  const counts = splitCounts('randomSplit', n, lengths);
  const order = new Shuffler(options.seed).next(n);
  const out: Subset[] = [];
  let from = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, order.subarray(from, from + c)));
    from += c;
  }
  return out;
}

function splitCounts(op: string, n: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0)
    throw new ValueError(`${op}: expected a non-empty list of lengths`);
  if (lengths.some((l) => !(Number.isFinite(l) && l >= 0))) {
    throw new ValueError(`${op}: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every(Number.isInteger) && total === n) return [...lengths];
  if (Math.abs(total - 1) < 1e-6 && lengths.every((l) => l <= 1)) {
    const counts = lengths.map((f) => Math.floor(f * n));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let k = 0; rest > 0; k = (k + 1) % counts.length, rest--) counts[k]++;
    return counts;
  }
  throw new ValueError(
    `${op}: lengths [${lengths.join(', ')}] neither sum to the dataset length ${n} nor to 1`,
  );
}

/** Options of `trainTestSplit`: the test fraction or count, the seed, and whether to shuffle. */
export interface TrainTestSplitOptions {
  /** Fraction (0..1) or count of examples held out for testing (default 0.25). */
  testSize?: number;
  /** Shuffle before splitting (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle; the process-wide generator when omitted. */
  seed?: number;
}

/**
 * Splits tensors that share a first dimension into train and test parts, the scikit-learn way:
 * `const [xTrain, xTest, yTrain, yTest] = trainTestSplit([x, y], { testSize: 0.2 })`.
 * Returns new tensors (the inputs are untouched); rows are picked on the tensors' backend.
 */
export function trainTestSplit(tensors: readonly Tensor[], options: TrainTestSplitOptions = {}): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0 || !tensors.every(isTensor)) {
    throw new ValueError('trainTestSplit: expected a non-empty list of tensors');
  }
  const n = tensors[0].shape[0];
  if (tensors.some((t) => t.ndim === 0 || t.shape[0] !== n)) {
    throw new ShapeError(
      `trainTestSplit: tensors must share their first dimension, got ${tensors.map((t) => `[${t.shape.join(',')}]`).join(', ')}`,
    );
  }
  const size = options.testSize ?? 0.25;
  const nTest = size > 0 && size < 1 ? Math.round(size * n) : size;
  if (!Number.isInteger(nTest) || nTest < 1 || nTest >= n) {
    throw new ValueError(`trainTestSplit: testSize ${size} leaves no train or no test examples out of ${n}`);
  }
  const order =
    options.shuffle === false
      ? Int32Array.from({ length: n }, (_, i) => i)
      : new Shuffler(options.seed).next(n);
  const nTrain = n - nTest;
  return tidy(() => {
    const backend = tensors[0].backendName;
    const trainIdx = tensor(order.slice(0, nTrain), { backend });
    const testIdx = tensor(order.slice(nTrain), { backend });
    return tensors.flatMap((t) => [t.indexSelect(0, trainIdx), t.indexSelect(0, testIdx)]);
  });
}
