import type { Conv2dParams } from '../../backend.js';
import { recordOp } from '../../engine.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions, optionKeys } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { add } from '../elementwise.js';
import { flip } from '../reorder.js';
import { contiguous, permute, reshape, squeeze, unsqueeze } from '../shape.js';
import { assertTensor, backendOf, fromStorage } from '../util.js';
import { checkSpatialInput, type IntOrTuple, tuple } from './args.js';
import { conv1d, conv2d, conv3d } from './conv.js';
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

interface Spec {
  stride: number[];
  padding: number[];
  outputPadding: number[];
  dilation: number[];
  groups: number;
  out: number[];
}

const LAYOUT = ['', '[N, C, L]', '[N, C, H, W]', '[N, C, D, H, W]'];

function validate(
  op: string,
  r: number,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  o: ConvTransposeOptions,
): Spec {
  assertTensor(op, 'weight', w);
  if (w.ndim !== r + 2) {
    throw new ShapeError(
      `${op}: weight must be ${r + 2}-D [inC, outC/groups, ...kernel], got ${fmtShape(w.shape)}`,
    );
  }
  if (w.dtype !== x.dtype) throw new DTypeError(`${op}: weight is ${w.dtype} but input is ${x.dtype}`);
  const stride = tuple(op, 'stride', o.stride ?? 1, r, 1);
  const padding = tuple(op, 'padding', o.padding ?? 0, r, 0);
  const outputPadding = tuple(op, 'outputPadding', o.outputPadding ?? 0, r, 0);
  const dilation = tuple(op, 'dilation', o.dilation ?? 1, r, 1);
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
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
  const outC = w.shape[1] * groups;
  if (bias) {
    assertTensor(op, 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== outC) {
      throw new ShapeError(
        `${op}: bias must have shape [${outC}] for weight ${fmtShape(w.shape)}, got ${fmtShape(bias.shape)}`,
      );
    }
    if (bias.dtype !== x.dtype) throw new DTypeError(`${op}: bias is ${bias.dtype} but input is ${x.dtype}`);
  }
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
  return { stride, padding, outputPadding, dilation, groups, out };
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
  const unbatched = checkSpatialInput(op, x, r + 2, LAYOUT[r]);
  backendOf(op, x, weight, bias);
  return tidy(() => {
    const xb = unbatched ? unsqueeze(x, 0) : x;
    const s = validate(op, r, xb, weight, bias ?? null, o ?? {});
    const n = xb.shape[0];
    const outC = weight.shape[1] * s.groups;
    let y: Tensor;
    if (r <= 2 && hasFusedConv(xb)) {
      const two = (v: number[], one: number): [number, number] => (r === 2 ? [v[0], v[1]] : [one, v[0]]);
      const p: Conv2dParams = {
        stride: two(s.stride, 1),
        padding: two(s.padding, 0),
        dilation: two(s.dilation, 1),
        groups: s.groups,
      };
      y =
        r === 2
          ? fused2d(xb, weight, p, [n, outC, s.out[0], s.out[1]])
          : squeeze(fused2d(unsqueeze(xb, 2), unsqueeze(weight, 2), p, [n, outC, 1, s.out[0]]), 2);
    } else {
      y = composite(xb, weight, s);
    }
    if (bias) y = add(y, reshape(bias, [1, outC, ...s.out.map(() => 1)]));
    return unbatched ? squeeze(y, 0) : y;
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
