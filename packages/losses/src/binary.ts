import {
  abs,
  add,
  assertTensor,
  broadcastShapes,
  cast,
  checkOptions,
  exp,
  fmtShape,
  log1p,
  mul,
  neg,
  optionKeys,
  relu,
  ShapeError,
  sub,
  type Tensor,
  tidy,
  ValueError,
} from '@nn/tensor';
import { binaryCrossEntropy } from '@nn/tensor/internal';
import { assertFloatArg, checkPair } from './checks.js';
import { checkReduction, type Reduction, reduce } from './reduction.js';

/** Options of `bceLoss`. */
export interface BceOptions {
  /** Rescaling weight, broadcast against the input. */
  weight?: Tensor;
  reduction?: Reduction;
}

/** Options of `bceWithLogitsLoss`. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of positive examples, broadcast against the input (usually one per class, shape [C]). */
  posWeight?: Tensor;
}

export const BCE_KEYS = optionKeys<BceOptions>({ weight: 1, reduction: 1 });
export const BCE_WITH_LOGITS_KEYS = optionKeys<BceWithLogitsOptions>({
  weight: 1,
  reduction: 1,
  posWeight: 1,
});

function checkBroadcastWeight(op: string, name: string, w: Tensor | undefined, input: Tensor): void {
  if (w === undefined) return;
  assertTensor(op, name, w);
  assertFloatArg(op, name, w);
  const out = broadcastShapes(op, input.shape, w.shape);
  if (out.length !== input.ndim || out.some((d, i) => d !== input.shape[i])) {
    throw new ShapeError(
      `${op}: ${name} ${fmtShape(w.shape)} must broadcast to the input shape ${fmtShape(input.shape)}`,
    );
  }
}

/**
 * Refuses probabilities outside [0, 1] (and NaN), as PyTorch does, where the backend reads
 * synchronously (cpu, wasm). On a device backend the values are not read: there such inputs
 * give a NaN loss, which `fit` reports when it reads the loss.
 */
function checkProbabilities(op: string, input: Tensor): void {
  if (!input.backend.readSync || input.size === 0) return;
  const v = input.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) {
      throw new ValueError(
        `${op}: all elements of input should be between 0 and 1 (as in PyTorch), got ${v[i]} at flat index ${i} of shape ${fmtShape(input.shape)}; apply sigmoid first, or pass logits to bceWithLogitsLoss`,
      );
    }
  }
}

/**
 * Binary cross entropy of probabilities `input` in [0, 1]. As in PyTorch, each log is clamped at
 * -100 and the gradient divides by max(p (1 - p), 1e-12), so a probability of exactly 0 or 1 (a
 * saturated sigmoid) gives a finite loss and a finite gradient.
 */
export function bceLoss(input: Tensor, target: Tensor, options?: BceOptions): Tensor {
  const op = 'bceLoss';
  checkOptions(op, options, BCE_KEYS);
  checkPair(op, input, target);
  const reduction = options?.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkBroadcastWeight(op, 'weight', options?.weight, input);
  checkProbabilities(op, input);
  return tidy(() => {
    let loss = binaryCrossEntropy(input, target);
    if (options?.weight) loss = mul(loss, cast(options.weight, input.dtype));
    return reduce(loss, reduction);
  });
}

/**
 * Sigmoid followed by binary cross entropy, in the stable form
 * (1 - t) x + lw (log(1 + e^-|x|) + max(-x, 0)), lw = 1 + (posWeight - 1) t: no overflow for large logits.
 */
export function bceWithLogitsLoss(input: Tensor, target: Tensor, options?: BceWithLogitsOptions): Tensor {
  const op = 'bceWithLogitsLoss';
  checkOptions(op, options, BCE_WITH_LOGITS_KEYS);
  checkPair(op, input, target);
  const reduction = options?.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkBroadcastWeight(op, 'weight', options?.weight, input);
  checkBroadcastWeight(op, 'posWeight', options?.posWeight, input);
  return tidy(() => {
    const softplusNeg = add(log1p(exp(neg(abs(input)))), relu(neg(input)));
    const pos = options?.posWeight
      ? mul(add(mul(sub(cast(options.posWeight, input.dtype), 1), target), 1), softplusNeg)
      : softplusNeg;
    let loss = add(mul(sub(1, target), input), pos);
    if (options?.weight) loss = mul(loss, cast(options.weight, input.dtype));
    return reduce(loss, reduction);
  });
}
