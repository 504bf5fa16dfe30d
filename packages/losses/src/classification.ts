import {
  add,
  assertTensor,
  cast,
  checkNumber,
  checkOptions,
  DTypeError,
  div,
  fmtShape,
  gather,
  IndexError,
  indexSelect,
  isFloat,
  logSoftmax,
  mul,
  ne,
  neg,
  optionKeys,
  permute,
  reshape,
  ShapeError,
  shapesEqual,
  sum,
  type Tensor,
  tidy,
  unsqueeze,
  where,
} from '@nn/tensor';
import { crossEntropyIndex } from '@nn/tensor/internal';
import { assertFloatArg } from './checks.js';
import { checkReduction, type Reduction } from './reduction.js';

/** Options of `nllLoss` (and the class-index form of `crossEntropy`). */
export interface NllOptions {
  /** Rescaling weight per class, shape [C]. */
  weight?: Tensor;
  /** Target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Options of `crossEntropy`: those of `nllLoss` plus label smoothing. */
export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the target with the uniform distribution: (1 - s) · target + s / C. */
  labelSmoothing?: number;
}

/** Input [N, C, d...] (or [C] unbatched) to rows [M, C] with the class axis last. */
function toRows(x: Tensor, classDim: number): Tensor {
  if (x.ndim === 1) return unsqueeze(x, 0);
  if (x.ndim === 2) return x;
  const order = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), 1];
  return reshape(permute(x, order), [-1, x.shape[classDim]]);
}

function checkWeight(op: string, weight: Tensor | undefined, classes: number): void {
  if (weight === undefined) return;
  assertTensor(op, 'weight', weight);
  assertFloatArg(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(
      `${op}: weight must have shape [${classes}] (one per class), got ${fmtShape(weight.shape)}`,
    );
  }
}

/**
 * Checks index targets (their values too, with `values`, on backends whose memory the host reads);
 * returns the class axis of the input.
 */
function checkIndexTarget(
  op: string,
  input: Tensor,
  target: Tensor,
  ignoreIndex: number,
  values = true,
): number {
  if (target.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: class labels must be int32 indices, got a ${target.dtype} target of shape ${fmtShape(target.shape)}; pass tensor(labels, { dtype: 'int32' }) or target.to('int32')`,
    );
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const expected = indexTargetShape(input);
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${op}: input ${fmtShape(input.shape)} needs a target of shape ${fmtShape(expected)}, got ${fmtShape(target.shape)}`,
    );
  }
  const classes = input.shape[classDim];
  if (values && target.backend.readSync && target.size > 0) {
    const v = target.dataSync();
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== ignoreIndex && (v[i] < 0 || v[i] >= classes)) {
        throw new IndexError(`${op}: target ${v[i]} is out of bounds for ${classes} classes`);
      }
    }
  }
  return classDim;
}

/** The shape of class-index targets for `input`: [N, d...] (or [] unbatched). */
function indexTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

function checkInput(op: string, input: unknown, target: unknown): asserts input is Tensor {
  assertTensor(op, 'input', input);
  assertTensor(op, 'target', target);
  assertFloatArg(op, 'input', input);
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class axis, got a scalar`);
}

/**
 * Negative log-likelihood of log-probabilities `logp` [M, C] at `target` [M]; ignored targets
 * weigh 0. Returns per-row losses and per-row weights.
 */
function pickNll(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | undefined,
  ignoreIndex: number,
): { loss: Tensor; w: Tensor } {
  const keepMask = ne(target, ignoreIndex);
  const safe = where(keepMask, target, 0);
  const mask = cast(keepMask, logp.dtype);
  const w = weight ? mul(indexSelect(cast(weight, logp.dtype), 0, safe), mask) : mask;
  const picked = reshape(gather(logp, 1, unsqueeze(safe, 1)), [-1]);
  return { loss: neg(mul(picked, w)), w };
}

function reduceWeighted(loss: Tensor, w: Tensor, reduction: Reduction, shape: readonly number[]): Tensor {
  if (reduction === 'none') return reshape(loss, shape);
  if (reduction === 'sum') return sum(loss);
  return div(sum(loss), sum(w));
}

function nllCore(logp: Tensor, target: Tensor, options: NllOptions | undefined, classDim: number): Tensor {
  const reduction = options?.reduction ?? 'mean';
  const ignoreIndex = options?.ignoreIndex ?? -100;
  const rows = toRows(logp, classDim);
  const t = reshape(target, [-1]);
  const { loss, w } = pickNll(rows, t, options?.weight, ignoreIndex);
  return reduceWeighted(loss, w, reduction, target.shape);
}

export const NLL_KEYS = optionKeys<NllOptions>({ weight: 1, ignoreIndex: 1, reduction: 1 });
export const CROSS_ENTROPY_KEYS = optionKeys<CrossEntropyOptions>({
  weight: 1,
  ignoreIndex: 1,
  reduction: 1,
  labelSmoothing: 1,
});

function nllOptions(op: string, input: Tensor, options: NllOptions | undefined): void {
  checkOptions(op, options, op === 'crossEntropy' ? CROSS_ENTROPY_KEYS : NLL_KEYS);
  checkReduction(op, options?.reduction ?? 'mean');
  if (options?.ignoreIndex !== undefined && !Number.isInteger(options.ignoreIndex)) {
    throw new IndexError(`${op}: ignoreIndex must be an integer, got ${options.ignoreIndex}`);
  }
  checkWeight(op, options?.weight, input.shape[input.ndim === 1 ? 0 : 1]);
}

/** Negative log-likelihood of log-probabilities `input` [N, C, d...] (or [C]) at class indices `target`. */
export function nllLoss(input: Tensor, target: Tensor, options?: NllOptions): Tensor {
  checkInput('nllLoss', input, target);
  nllOptions('nllLoss', input, options);
  const classDim = checkIndexTarget('nllLoss', input, target, options?.ignoreIndex ?? -100);
  return tidy(() => nllCore(input, target, options, classDim));
}

/**
 * Cross entropy of logits `input` [N, C, d...] (or [C] unbatched) against class indices (int32,
 * [N, d...]) or class probabilities (float, shaped like the input). Computed through
 * log-softmax, so large logits do not overflow.
 *
 * @example
 * ```ts
 * const logits = randn([4, 3], { requiresGrad: true });
 * const target = tensor(new Int32Array([0, 2, 1, 2]));
 * crossEntropy(logits, target, { labelSmoothing: 0.1 }).backward();
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const op = 'crossEntropy';
  checkInput(op, input, target);
  nllOptions(op, input, options);
  const s = checkNumber(
    op,
    'labelSmoothing',
    options?.labelSmoothing ?? 0,
    (v) => v >= 0 && v <= 1,
    'in [0, 1]',
  );
  const reduction = options?.reduction ?? 'mean';
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  if (isFloat(target.dtype)) {
    if (!shapesEqual(target.shape, input.shape)) {
      // Float labels shaped like class indices: PyTorch users' targets from a float array.
      if (shapesEqual(target.shape, indexTargetShape(input))) {
        throw new DTypeError(
          `${op}: class labels must be int32 indices, got a ${target.dtype} target of shape ${fmtShape(target.shape)} for input ${fmtShape(input.shape)}; pass tensor(labels, { dtype: 'int32' }) or target.to('int32') (a float target is read as class probabilities and must have the input's shape)`,
        );
      }
      throw new ShapeError(
        `${op}: a float target holds class probabilities and must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}; for class labels pass int32 indices of shape ${fmtShape(indexTargetShape(input))}`,
      );
    }
    return tidy(() => {
      const logp = toRows(logSoftmax(input, classDim), classDim);
      let t = toRows(target, classDim);
      if (s > 0) t = add(mul(t, 1 - s), s / classes);
      let prod = mul(logp, t);
      if (options?.weight) prod = mul(prod, cast(options.weight, logp.dtype));
      const perRow = neg(sum(prod, { dim: 1 }));
      if (reduction === 'none')
        return reshape(perRow, input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)]);
      if (reduction === 'sum') return sum(perRow);
      return div(sum(perRow), perRow.size);
    });
  }
  const ignoreIndex = options?.ignoreIndex ?? -100;
  if (input.ndim === 2 && options?.weight === undefined && s === 0) {
    // The common case is one op: one kernel each way where the backend has them, and the targets
    // checked by that kernel as it reads them instead of by a read to the host every step.
    checkIndexTarget(op, input, target, ignoreIndex, false);
    return crossEntropyIndex(input, target, ignoreIndex, reduction);
  }
  checkIndexTarget(op, input, target, ignoreIndex);
  return tidy(() => {
    const logp = logSoftmax(input, classDim);
    const nll = nllCore(logp, target, options, classDim);
    if (s === 0) return nll;
    // PyTorch's smoothing term: -sum_c w_c log p_c per row, zero on ignored rows.
    const rows = toRows(logp, classDim);
    const t = reshape(target, [-1]);
    const keep = cast(ne(t, ignoreIndex), rows.dtype);
    const weighted = options?.weight ? mul(rows, cast(options.weight, rows.dtype)) : rows;
    const smooth = mul(neg(sum(weighted, { dim: 1 })), keep);
    let smoothRed: Tensor;
    if (reduction === 'none') smoothRed = reshape(smooth, target.shape);
    else if (reduction === 'sum') smoothRed = sum(smooth);
    else if (options?.weight) {
      const safe = where(ne(t, ignoreIndex), t, 0);
      const w = mul(indexSelect(cast(options.weight, rows.dtype), 0, safe), keep);
      smoothRed = div(sum(smooth), sum(w));
    } else smoothRed = div(sum(smooth), smooth.size);
    return add(mul(nll, 1 - s), mul(smoothRed, s / classes));
  });
}
