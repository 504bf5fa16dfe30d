import type { Conv2dParams } from '../../backend.js';
import { recordOp } from '../../engine.js';
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions, optionKeys } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { flip } from '../reorder.js';
import { contiguous, permute, reshape, unsqueeze } from '../shape.js';
import { backendOf, fromStorage } from '../util.js';
import { type IntOrTuple, tuple } from './args.js';
import { conv1d, conv2d, conv3d } from './conv.js';
import {
  type ConvArgs,
  checkConvBias,
  checkConvInput,
  onConv2dKernel,
  parseConvArgs,
  withBias,
} from './conv-args.js';
import { pad } from './pad.js';

/** Options of convTranspose1d/2d/3d (PyTorch's F.conv_transpose*d); ints per spatial dim or one for all. */
export interface ConvTransposeOptions {
  stride?: IntOrTuple;
  /** Removed from both sides of the full output: dilation * (kernel - 1) - padding zeros are added to the input. */
  padding?: IntOrTuple;
  /** Extra size added to one side of the output (each below stride or dilation). */
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

interface Spec extends ConvArgs {
  outputPadding: number[];
  out: number[];
}

function validate(
  op: string,
  r: number,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  o: ConvTransposeOptions,
): Spec {
  const a = parseConvArgs(op, r, x, w, o, '[inC, outC/groups, ...kernel]');
  const { stride, padding, dilation, groups } = a;
  const outputPadding = tuple(op, 'outputPadding', o.outputPadding ?? 0, r, 0);
  outputPadding.forEach((p, i) => {
    if (p >= stride[i] && p >= dilation[i]) {
      throw new ValueError(
        `${op}: outputPadding must be smaller than stride or dilation in each dim, got outputPadding ${p}, stride ${stride[i]}, dilation ${dilation[i]}`,
      );
    }
  });
  const c = x.shape[1];
  if (w.shape[0] !== c || c % groups !== 0) {
    throw new ShapeError(
      `${op}: weight ${fmtShape(w.shape)} expects input with ${w.shape[0]} channels (divisible by groups=${groups}), got input ${fmtShape(x.shape)}`,
    );
  }
  checkConvBias(op, x, w, bias, w.shape[1] * groups);
  const out = x.shape.slice(2).map((size, i) => {
    const k = w.shape[2 + i];
    const o_ = (size - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k - 1) + outputPadding[i] + 1;
    if (o_ < 1) {
      throw new ShapeError(
        `${op}: input ${fmtShape(x.shape)} gives an empty output in spatial dim ${i} (padding ${padding[i]} removes more than the transposed convolution makes)`,
      );
    }
    return o_;
  });
  return { ...a, outputPadding, out };
}

/**
 * The composite: spread the input by the stride (zeros between entries), pad by
 * dilation * (kernel - 1) - padding (plus outputPadding at the end), and convolve with the weight
 * flipped and with its in/out channels swapped per group. Runs inside convTransposeNd's scope.
 */
function composite(x: Tensor, w: Tensor, s: Spec): Tensor {
  const r = s.stride.length;
  let cur = x;
  for (let i = 0; i < r; i++) {
    const stride = s.stride[i];
    const len = cur.shape[2 + i];
    if (stride === 1 || len < 2) continue;
    const u = unsqueeze(cur, 3 + i);
    const spec = new Array<number>(2 * (r - i)).fill(0);
    spec[spec.length - 1] = stride - 1;
    const spread = pad(u, spec);
    const shape = [...cur.shape];
    shape[2 + i] = len * stride;
    const flat = reshape(spread, shape);
    const spec2 = new Array<number>(2 * (r - i)).fill(0);
    spec2[spec2.length - 1] = -(stride - 1);
    cur = pad(flat, spec2);
  }
  const border: number[] = [];
  for (let i = r - 1; i >= 0; i--) {
    const edge = s.dilation[i] * (w.shape[2 + i] - 1) - s.padding[i];
    border.push(edge, edge + s.outputPadding[i]);
  }
  const padded = pad(cur, border);
  const [inC, outCg] = w.shape;
  const kernel = w.shape.slice(2);
  const g = s.groups;
  const wg = reshape(w, [g, inC / g, outCg, ...kernel]);
  const swapped = permute(wg, [0, 2, 1, ...kernel.map((_, i) => 3 + i)]);
  const wc = reshape(swapped, [g * outCg, inC / g, ...kernel]);
  const wf = flip(
    wc,
    kernel.map((_, i) => 2 + i),
  );
  const conv = r === 1 ? conv1d : r === 2 ? conv2d : conv3d;
  return conv(padded, wf, null, { dilation: s.dilation, groups: g });
}

function hasFusedConv(x: Tensor): boolean {
  const f = x.backend.fused;
  return !!(f?.conv2d && f.conv2dBackwardInput && f.conv2dBackwardWeight);
}

/** The fused path: a transposed convolution is the input gradient of a convolution (inside convTransposeNd's scope). */
function fused2d(x: Tensor, w: Tensor, p: Conv2dParams, outShape: number[]): Tensor {
  const b = backendOf('convTranspose2d', x, w);
  const xc = contiguous(x);
  const wc = contiguous(w);
  const y = fromStorage(b, b.fused!.conv2dBackwardInput!(xc, wc, p, outShape), x.dtype, outShape);
  recordOp('convTranspose2d', [xc, wc], [y], { params: p });
  return y;
}

function convTransposeNd(
  op: string,
  r: number,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  o: ConvTransposeOptions,
): Tensor {
  checkOptions(
    op,
    o,
    optionKeys<ConvTransposeOptions>({ stride: 1, padding: 1, outputPadding: 1, groups: 1, dilation: 1 }),
  );
  const unbatched = checkConvInput(op, r, x, weight, bias);
  return tidy(() => {
    const xb = unbatched ? unsqueeze(x, 0) : x;
    const s = validate(op, r, xb, weight, bias ?? null, o ?? {});
    const y =
      r <= 2 && hasFusedConv(xb)
        ? onConv2dKernel(xb, weight, s, weight.shape[1] * s.groups, s.out, fused2d)
        : composite(xb, weight, s);
    return withBias(y, bias, unbatched);
  });
}

/** Transposed 1-d convolution over [N, C, L] with weight [inC, outC/groups, k] (PyTorch's F.conv_transpose1d). */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd('convTranspose1d', 1, x, weight, bias, options);
}

/** Transposed 2-d convolution over [N, C, H, W] with weight [inC, outC/groups, kH, kW]. */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd('convTranspose2d', 2, x, weight, bias, options);
}

/** Transposed 3-d convolution over [N, C, D, H, W] with weight [inC, outC/groups, kD, kH, kW] (composite on every backend). */
export function convTranspose3d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTransposeNd('convTranspose3d', 3, x, weight, bias, options);
}
