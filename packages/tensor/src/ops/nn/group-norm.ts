import { isFloat } from '../../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { add, mul, rsqrt, sub } from '../elementwise.js';
import { mean, variance } from '../reduce.js';
import { reshape } from '../shape.js';
import { assertTensor, backendOf } from '../util.js';

function checkAffine(name: string, t: Tensor | null | undefined, c: number, x: Tensor): void {
  if (t === null || t === undefined) return;
  assertTensor('groupNorm', name, t);
  if (t.ndim !== 1 || t.shape[0] !== c) {
    throw new ShapeError(
      `groupNorm: ${name} must have shape [${c}] for input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`,
    );
  }
  if (t.dtype !== x.dtype) throw new DTypeError(`groupNorm: ${name} is ${t.dtype} but input is ${x.dtype}`);
}

/**
 * Group normalization over [N, C, ...] (PyTorch's F.group_norm): each sample's channels split
 * into `numGroups` groups, each normalized by its mean and biased variance over its channels and
 * all positions; then a per-channel scale and shift.
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: { eps?: number } = {},
): Tensor {
  const op = 'groupNorm';
  assertTensor(op, 'input', x);
  checkOptions(op, options, ['eps']);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected input [N, C, ...] of rank >= 2, got ${fmtShape(x.shape)}`);
  const c = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1)
    throw new ValueError(`${op}: numGroups must be a positive integer, got ${numGroups}`);
  if (c % numGroups !== 0) {
    throw new ShapeError(
      `${op}: ${c} channels of input ${fmtShape(x.shape)} cannot be split into ${numGroups} groups`,
    );
  }
  backendOf(op, x, weight, bias);
  checkAffine('weight', weight, c, x);
  checkAffine('bias', bias, c, x);
  const eps = options.eps ?? 1e-5;
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be >= 0, got ${eps}`);
  const n = x.shape[0];
  return tidy(() => {
    const g = reshape(x, [n, numGroups, -1]);
    const m = mean(g, { dim: 2, keepdim: true });
    const v = variance(g, { dim: 2, keepdim: true, unbiased: false });
    let y = reshape(mul(sub(g, m), rsqrt(add(v, eps))), x.shape);
    const channel = x.shape.map((s, i) => (i === 1 ? s : 1));
    if (weight) y = mul(y, reshape(weight, channel));
    if (bias) y = add(y, reshape(bias, channel));
    return y;
  });
}
