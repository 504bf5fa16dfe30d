/**
 * What conv1d/2d/3d and convTranspose1d/2d/3d read and check alike: the input, the weight, the
 * tuple arguments, groups and bias, and how a 1- or 2-d one runs on the fused 2-d kernel. The two
 * differ only in the weight's layout, the channel rule and the output size rule, kept beside each.
 */
import type { Conv2dParams } from '../../backend.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add } from '../elementwise.js';
import { reshape, squeeze, unsqueeze } from '../shape.js';
import { assertTensor, backendOf } from '../util.js';
import { checkSpatialInput, type IntOrTuple, tuple } from './args.js';

/** The input layout of an r-d convolution, for errors. */
const LAYOUT = ['', '[N, C, L]', '[N, C, H, W]', '[N, C, D, H, W]'];

/** The tuple arguments and groups, as read from the options (padding already a number or tuple). */
export interface ConvArgs {
  stride: number[];
  padding: number[];
  dilation: number[];
  groups: number;
}

/** The options both read; `padding` is numeric here ('same' and 'valid' are resolved before). */
export interface ConvArgOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  groups?: number;
}

/**
 * Checks x ([N, C, ...r spatial] or unbatched), that x, weight and bias share a backend, and that
 * weight is a tensor; true when x is unbatched.
 */
export function checkConvInput(
  op: string,
  r: number,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
): boolean {
  const unbatched = checkSpatialInput(op, x, r + 2, LAYOUT[r]);
  backendOf(op, x, weight, bias);
  assertTensor(op, 'weight', weight);
  return unbatched;
}

/** Checks that w has rank r + 2 (in `layout`, e.g. '[outC, inC/groups, ...kernel]') and x's dtype. */
export function checkConvWeight(op: string, r: number, x: Tensor, w: Tensor, layout: string): void {
  if (w.ndim !== r + 2) {
    throw new ShapeError(`${op}: weight must be ${r + 2}-D ${layout}, got ${fmtShape(w.shape)}`);
  }
  if (w.dtype !== x.dtype) throw new DTypeError(`${op}: weight is ${w.dtype} but input is ${x.dtype}`);
}

/** The weight check, then stride, padding and dilation as r ints each and groups as a positive int. */
export function parseConvArgs(
  op: string,
  r: number,
  x: Tensor,
  w: Tensor,
  o: ConvArgOptions,
  layout: string,
): ConvArgs {
  checkConvWeight(op, r, x, w, layout);
  const stride = tuple(op, 'stride', o.stride ?? 1, r, 1);
  const padding = tuple(op, 'padding', o.padding ?? 0, r, 0);
  const dilation = tuple(op, 'dilation', o.dilation ?? 1, r, 1);
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  return { stride, padding, dilation, groups };
}

/** Checks that bias is absent or a [outC] tensor of x's dtype. */
export function checkConvBias(op: string, x: Tensor, w: Tensor, bias: Tensor | null, outC: number): void {
  if (!bias) return;
  assertTensor(op, 'bias', bias);
  if (bias.ndim !== 1 || bias.shape[0] !== outC) {
    throw new ShapeError(
      `${op}: bias must have shape [${outC}] for weight ${fmtShape(w.shape)}, got ${fmtShape(bias.shape)}`,
    );
  }
  if (bias.dtype !== x.dtype) throw new DTypeError(`${op}: bias is ${bias.dtype} but input is ${x.dtype}`);
}

/**
 * Runs a 1- or 2-d convolution on a fused 2-d kernel (`kernel` gets 4-D x and w, the params and
 * the [N, outC, H, W] output shape): a 1-d one is a 2-d one over a height of 1.
 */
export function onConv2dKernel(
  x: Tensor,
  w: Tensor,
  a: ConvArgs,
  outC: number,
  out: readonly number[],
  kernel: (x4: Tensor, w4: Tensor, p: Conv2dParams, outShape: number[]) => Tensor,
): Tensor {
  const one = out.length === 1;
  const two = (v: number[], unit: number): [number, number] => (one ? [unit, v[0]] : [v[0], v[1]]);
  const p: Conv2dParams = {
    stride: two(a.stride, 1),
    padding: two(a.padding, 0),
    dilation: two(a.dilation, 1),
    groups: a.groups,
  };
  const n = x.shape[0];
  if (!one) return kernel(x, w, p, [n, outC, out[0], out[1]]);
  return squeeze(kernel(unsqueeze(x, 2), unsqueeze(w, 2), p, [n, outC, 1, out[0]]), 2);
}

/** y plus the bias broadcast over the spatial dims, without the batch dim of an unbatched input. */
export function withBias(y: Tensor, bias: Tensor | null | undefined, unbatched: boolean): Tensor {
  const out = bias ? add(y, reshape(bias, [1, bias.shape[0], ...y.shape.slice(2).map(() => 1)])) : y;
  return unbatched ? squeeze(out, 0) : out;
}
