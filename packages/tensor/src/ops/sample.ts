import { isFloat } from '../dtype.js';
import { withGradMode } from '../engine.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { checkOptions, optionKeys } from '../options.js';
import type { Tensor } from '../tensor.js';
import { rand } from './creation.js';
import { add, log, neg } from './elementwise.js';
import { argmax } from './reduce.js';
import { reshape, squeeze, unsqueeze } from './shape.js';
import { topk } from './sort.js';
import { assertTensor, backendOf } from './util.js';

/** Options of `multinomial` (the draws use the global seeded generator, see `manualSeed`). */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

/** Checks the weights where the backend reads synchronously (on a device they stay there). */
function checkWeights(p: Tensor, rows: number, n: number, numSamples: number, replacement: boolean): void {
  if (!p.backend.readSync) return;
  const v = p.dataSync();
  for (let r = 0; r < rows; r++) {
    let total = 0;
    let positive = 0;
    for (let j = 0; j < n; j++) {
      const w = v[r * n + j];
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new ValueError(
          `multinomial: weights must be finite and >= 0, got ${w} in row ${r} of ${fmtShape(p.shape)}`,
        );
      }
      total += w;
      if (w > 0) positive++;
    }
    if (total <= 0) throw new ValueError(`multinomial: row ${r} of ${fmtShape(p.shape)} sums to 0`);
    if (!replacement && positive < numSamples) {
      throw new ValueError(
        `multinomial: cannot draw ${numSamples} samples without replacement from row ${r}, which has ${positive} categories of non-zero weight`,
      );
    }
  }
}

/**
 * Draws `numSamples` category indices (int32) per row of non-negative weights `input` ([n] or
 * [rows, n], not necessarily normalised), from the seeded generator: the Gumbel-max trick,
 * argmax(log w + g) per draw with replacement, the top numSamples of log w + g without.
 * On backends that hold data on a device the weights are not checked.
 */
export function multinomial(input: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  assertTensor('multinomial', 'input', input);
  checkOptions('multinomial', options, optionKeys<MultinomialOptions>({ replacement: 1 }));
  if (input.ndim !== 1 && input.ndim !== 2)
    throw new ShapeError(`multinomial: input must be 1-D or 2-D weights, got shape ${fmtShape(input.shape)}`);
  if (!isFloat(input.dtype))
    throw new DTypeError(`multinomial: weights must be floating point, got ${input.dtype}`);
  const n = input.shape[input.ndim - 1];
  if (n === 0) throw new ValueError(`multinomial: input ${fmtShape(input.shape)} has no categories`);
  if (!Number.isInteger(numSamples) || numSamples < 1)
    throw new ValueError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  const replacement = options.replacement ?? false;
  if (typeof replacement !== 'boolean')
    throw new ValueError(`multinomial: replacement must be true or false, got ${String(replacement)}`);
  if (!replacement && numSamples > n) {
    throw new ValueError(
      `multinomial: cannot draw ${numSamples} samples without replacement from ${n} categories`,
    );
  }
  backendOf('multinomial', input);
  const rows = input.ndim === 1 ? 1 : input.shape[0];
  checkWeights(input, rows, n, numSamples, replacement);
  return withGradMode(false, () =>
    tidy(() => {
      const logits = log(reshape(input, [rows, n]));
      const noiseShape = replacement ? [rows, numSamples, n] : [rows, n];
      const u = rand(noiseShape, { dtype: input.dtype, backend: input.backendName });
      const gumbel = neg(log(neg(log(u))));
      const scores = add(replacement ? unsqueeze(logits, 1) : logits, gumbel);
      const picked = replacement ? argmax(scores, { dim: -1 }) : topk(scores, numSamples).indices;
      return input.ndim === 1 ? squeeze(picked, 0) : picked;
    }),
  );
}
