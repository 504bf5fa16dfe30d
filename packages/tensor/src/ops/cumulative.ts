import { type DType, isDType, isFloat } from '../dtype.js';
import { recordOp, withGradMode } from '../engine.js';
import { DTypeError } from '../errors.js';
import { tidy } from '../memory.js';
import { checkOptions, optionKeys } from '../options.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { add, cast, mul } from './elementwise.js';
import { narrow } from './indexing.js';
import { cat, contiguous } from './shape.js';
import { assertTensor } from './util.js';

/** Options of `cumsum` and `cumprod`. */
export interface CumulativeOptions {
  /** Cast the input to this dtype first (PyTorch's `dtype=`). */
  dtype?: DType;
}

/** Integers and bools accumulate as int32 (PyTorch: int64), floats keep their dtype. */
function accumulatorInput(op: string, x: Tensor, o: CumulativeOptions | undefined): Tensor {
  const want = o?.dtype;
  if (want !== undefined && !isDType(want))
    throw new DTypeError(`${op}: unknown dtype '${String(want)}' (expected float32, float64, int32 or bool)`);
  const dtype = want ?? (isFloat(x.dtype) ? x.dtype : 'int32');
  return cast(x, dtype === 'bool' ? 'int32' : dtype);
}

/**
 * Inclusive scan along d by doubling (Hillis-Steele): log2(n) steps of y <- y ∘ (y shifted by k,
 * the gap filled with the identity), O(n log n) work from primitive ops on every backend.
 */
function scan(x: Tensor, d: number, combine: typeof add, identity: number): Tensor {
  const n = x.shape[d];
  let y = contiguous(x, true);
  for (let k = 1; k < n; k *= 2) {
    const prev = y;
    y = tidy(() => {
      const gapShape = [...prev.shape];
      gapShape[d] = k;
      const gap = full(gapShape, identity, { dtype: prev.dtype, backend: prev.backendName });
      return combine(prev, cat([gap, narrow(prev, d, 0, n - k)], d));
    });
    // The carried result of the step before, freed at once (not by an enclosing scope) so a scan
    // holds two copies at most rather than one per step (log2(n) of them).
    prev.dispose();
  }
  return y;
}

const CUMULATIVE_KEYS = optionKeys<CumulativeOptions>({ dtype: 1 });

/** Running sums along `dim` (PyTorch's cumsum); ints and bools sum as int32. */
export function cumsum(x: Tensor, dim: number, options?: CumulativeOptions): Tensor {
  assertTensor('cumsum', 'input', x);
  checkOptions('cumsum', options, CUMULATIVE_KEYS);
  const d = normalizeDim('cumsum', dim, x.ndim);
  return tidy(() => {
    const input = accumulatorInput('cumsum', x, options);
    // One recorded op whose gradient is the reverse running sum, instead of the scan's log2(n) steps.
    const y = withGradMode(false, () =>
      input.ndim === 0 ? contiguous(input, true) : scan(input, d, add, 0),
    );
    recordOp('cumsum', [input], [y], { dim: d });
    return y;
  });
}

/**
 * Running products along `dim` (PyTorch's cumprod). Differentiable through the scan's products,
 * so the gradient is exact where inputs are zero.
 */
export function cumprod(x: Tensor, dim: number, options?: CumulativeOptions): Tensor {
  assertTensor('cumprod', 'input', x);
  checkOptions('cumprod', options, CUMULATIVE_KEYS);
  const d = normalizeDim('cumprod', dim, x.ndim);
  return tidy(() => {
    const input = accumulatorInput('cumprod', x, options);
    return input.ndim === 0 ? mul(input, 1) : scan(input, d, mul, 1);
  });
}
