import { withGradMode } from '../../engine.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { add, mul, rsqrt, sub } from '../elementwise.js';
import { mean, variance } from '../reduce.js';
import { reshape } from '../shape.js';
import { assertTensor, backendOf } from '../util.js';

/**
 * Options of `batchNorm`: affine weight and bias, running statistics, training mode, momentum and eps (PyTorch's defaults).
 */
export interface BatchNormOptions {
  /** Normalize with the batch's statistics and update the running ones (false: use the running ones). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

function checkParam(
  op: string,
  name: string,
  t: Tensor | null | undefined,
  shape: readonly number[],
  x: Tensor,
): void {
  if (t === null || t === undefined) return;
  assertTensor(op, name, t);
  if (t.ndim !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new ShapeError(
      `${op}: ${name} must have shape ${fmtShape(shape)} for input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`,
    );
  }
  if (t.dtype !== x.dtype) throw new DTypeError(`${op}: ${name} is ${t.dtype} but input is ${x.dtype}`);
}

/** y = (x - m) * rsqrt(v + eps) * weight + bias, with m, v, weight, bias already broadcastable. */
function normalize(
  x: Tensor,
  m: Tensor,
  v: Tensor,
  eps: number,
  weight: Tensor | null,
  bias: Tensor | null,
): Tensor {
  return tidy(() => {
    let y = mul(sub(x, m), rsqrt(add(v, eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  });
}

/** running <- running * keep + stat * scale, in place (stat is [1, C, 1...]). */
function updateRunning(running: Tensor, stat: Tensor, keep: number, scale: number): void {
  tidy(() => {
    running.assign(add(mul(running, keep), mul(reshape(stat, running.shape), scale)));
  });
}

/**
 * Batch normalization over [N, C], [N, C, L] or [N, C, H, W] (PyTorch's F.batch_norm). In training
 * it normalizes with the batch mean and biased variance and updates runningMean/runningVar in
 * place (with the unbiased variance); otherwise it uses the running statistics.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  assertTensor(op, 'input', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected input [N, C, ...] of rank >= 2, got ${fmtShape(x.shape)}`);
  backendOf(op, x, runningMean, runningVar, weight, bias);
  const c = x.shape[1];
  for (const [name, t] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    checkParam(op, name, t, [c], x);
  }
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (!Number.isFinite(momentum))
    throw new ValueError(`${op}: momentum must be a finite number, got ${momentum}`);
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be >= 0, got ${eps}`);
  if (!training && (!runningMean || !runningVar)) {
    throw new ValueError(`${op}: runningMean and runningVar are required when training is false`);
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const n = dims.reduce((a, d) => a * x.shape[d], 1);
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  if (training && n <= 1) {
    throw new ValueError(
      `${op}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
    );
  }
  const view = (t: Tensor | null | undefined): Tensor | null => (t ? reshape(t, bshape) : null);
  return tidy(() => {
    const w = view(weight);
    const b = view(bias);
    if (!training) return normalize(x, view(runningMean)!, view(runningVar)!, eps, w, b);
    const m = mean(x, { dim: dims, keepdim: true });
    const v = variance(x, { dim: dims, keepdim: true, unbiased: false });
    const y = normalize(x, m, v, eps, w, b);
    withGradMode(false, () => {
      if (runningMean) updateRunning(runningMean, m, 1 - momentum, momentum);
      if (runningVar) updateRunning(runningVar, v, 1 - momentum, (momentum * n) / (n - 1));
    });
    return y;
  });
}

/** Layer normalization over the trailing dims `normalizedShape` (PyTorch's F.layer_norm). */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: { eps?: number } = {},
): Tensor {
  const op = 'layerNorm';
  assertTensor(op, 'input', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  if (k === 0 || k > x.ndim || shape.some((s, i) => s !== x.shape[x.ndim - k + i])) {
    throw new ShapeError(
      `${op}: normalizedShape ${fmtShape(shape)} must match the trailing dims of input ${fmtShape(x.shape)}`,
    );
  }
  backendOf(op, x, weight, bias);
  checkParam(op, 'weight', weight, shape, x);
  checkParam(op, 'bias', bias, shape, x);
  const eps = options.eps ?? 1e-5;
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be >= 0, got ${eps}`);
  const dims = shape.map((_, i) => x.ndim - k + i);
  return tidy(() =>
    normalize(
      x,
      mean(x, { dim: dims, keepdim: true }),
      variance(x, { dim: dims, keepdim: true, unbiased: false }),
      eps,
      weight ?? null,
      bias ?? null,
    ),
  );
}
