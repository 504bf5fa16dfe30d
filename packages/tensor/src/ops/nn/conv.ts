import type { Conv2dParams, FusedActivation } from '../../backend.js';
import { recordOp } from '../../engine.js';
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions, optionKeys } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { relu } from '../activation.js';
import { matmul } from '../matmul.js';
import { contiguous, reshape, unsqueeze } from '../shape.js';
import { backendOf, fromStorage } from '../util.js';
import { convOut, type IntOrTuple, tuple } from './args.js';
import {
  type ConvArgOptions,
  type ConvArgs,
  checkConvBias,
  checkConvInput,
  checkConvWeight,
  onConv2dKernel,
  parseConvArgs,
  withBias,
} from './conv-args.js';
import { pad } from './pad.js';
import { windows } from './windows.js';

/** Options of conv1d/conv2d/conv3d; each int is one number for every spatial dim or one per dim. */
export interface ConvOptions {
  stride?: IntOrTuple;
  /** Zeros added on both sides of each spatial dim; 'valid' is 0, 'same' keeps the size (stride 1 only). */
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
  groups?: number;
}

const CONV_KEYS = optionKeys<ConvOptions>({ stride: 1, padding: 1, dilation: 1, groups: 1 });

interface ConvSpec extends ConvArgs {
  out: number[];
}

const WEIGHT = '[outC, inC/groups, ...kernel]';

function validate(
  op: string,
  r: number,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  o: ConvArgOptions,
): ConvSpec {
  const a = parseConvArgs(op, r, x, w, o, WEIGHT);
  const { groups } = a;
  const [outC, inCg] = w.shape;
  const c = x.shape[1];
  if (outC % groups !== 0) {
    throw new ShapeError(
      `${op}: out channels ${outC} of weight ${fmtShape(w.shape)} must be divisible by groups=${groups}`,
    );
  }
  if (inCg * groups !== c) {
    throw new ShapeError(
      `${op}: with groups=${groups}, weight ${fmtShape(w.shape)} expects input with ${inCg * groups} channels, got input ${fmtShape(x.shape)}`,
    );
  }
  checkConvBias(op, x, w, bias, outC);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const size = x.shape[2 + i];
    const k = w.shape[2 + i];
    const o_ = convOut(size, k, a.stride[i], a.padding[i], a.dilation[i]);
    if (o_ < 1) {
      throw new ShapeError(
        `${op}: input ${fmtShape(x.shape)} (padded by ${a.padding[i]}) is smaller than the dilated kernel ${fmtShape(w.shape)} in spatial dim ${i}`,
      );
    }
    out.push(o_);
  }
  return { ...a, out };
}

/** Convolution from primitives: zero-pad, gather each kernel offset's strided view, one grouped matmul. */
function convComposite(x: Tensor, w: Tensor, s: ConvSpec): Tensor {
  const [n, c] = x.shape;
  const [outC] = w.shape;
  const kernel = w.shape.slice(2);
  const kk = kernel.reduce((a, b) => a * b, 1);
  const g = s.groups;
  const l = s.out.reduce((a, b) => a * b, 1);
  const padSpec: number[] = [];
  for (let i = s.padding.length - 1; i >= 0; i--) padSpec.push(s.padding[i], s.padding[i]);
  return tidy(() => {
    const xp = s.padding.some((p) => p > 0) ? pad(x, padSpec) : x;
    const cols = reshape(windows(xp, kernel, s.stride, s.dilation, s.out), [n, g, (c / g) * kk, l]);
    const y = matmul(reshape(w, [g, outC / g, (c / g) * kk]), cols);
    return reshape(y, [n, outC, ...s.out]);
  });
}

/** The fused conv2d kernel (x [N,C,H,W]), recorded as 'conv2d' for the gradient rule. */
function conv2dFused(x: Tensor, w: Tensor, p: Conv2dParams, outShape: number[]): Tensor {
  const b = backendOf('conv2d', x, w);
  const fused = b.fused!;
  return tidy(() => {
    const xc = contiguous(x);
    const wc = contiguous(w);
    const y = fromStorage(b, fused.conv2d!(xc, wc, p, outShape), x.dtype, outShape);
    recordOp('conv2d', [xc, wc], [y], { params: p });
    return y;
  });
}

/**
 * The fused conv2d kernel with the bias and activation in its epilogue, recorded as 'conv2dBias'
 * (its gradient rule runs conv2d's gradient kernels).
 */
function conv2dBiasFused(
  x: Tensor,
  w: Tensor,
  bias: Tensor,
  p: Conv2dParams,
  outShape: number[],
  activation: FusedActivation,
): Tensor {
  const b = backendOf('conv2d', x, w, bias);
  const fused = b.fused!;
  return tidy(() => {
    const [xc, wc, bc] = [contiguous(x), contiguous(w), contiguous(bias)];
    const storage = fused.conv2dBias!(xc, wc, bc, p, outShape, activation);
    const y = fromStorage(b, storage, x.dtype, outShape);
    recordOp('conv2dBias', [xc, wc, bc], [y], { params: p, activation });
    return y;
  });
}

/** True when the backend has a fused conv2d; its gradients pick fused or composite by themselves (backward.ts). */
function hasFusedConv(x: Tensor): boolean {
  return !!x.backend.fused?.conv2d;
}

/**
 * PyTorch's padding='same': d * (k - 1) zeros per dim, split evenly; an odd total puts the extra
 * zero on the right, which a symmetric conv padding cannot express, so it is padded beforehand.
 */
function samePadding(
  op: string,
  r: number,
  x: Tensor,
  w: Tensor,
  o: ConvOptions,
): { x: Tensor; padding: number[] } {
  const stride = tuple(op, 'stride', o.stride ?? 1, r, 1);
  if (stride.some((v) => v !== 1)) {
    throw new ValueError(`${op}: padding='same' needs stride 1, got stride [${stride.join(', ')}]`);
  }
  checkConvWeight(op, r, x, w, WEIGHT);
  const dilation = tuple(op, 'dilation', o.dilation ?? 1, r, 1);
  const total = dilation.map((d, i) => d * (w.shape[2 + i] - 1));
  const padding = total.map((t) => Math.floor(t / 2));
  const extra = total.map((t, i) => t - 2 * padding[i]);
  if (extra.every((e) => e === 0)) return { x, padding };
  const spec: number[] = [];
  for (let i = r - 1; i >= 0; i--) spec.push(0, extra[i]);
  return { x: pad(x, spec), padding };
}

function convNd(
  op: string,
  r: number,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvOptions,
  activation: FusedActivation = 'none',
): Tensor {
  const o = checkOptions(op, options, CONV_KEYS);
  const unbatched = checkConvInput(op, r, x, weight, bias);
  return tidy(() => {
    let xb = unbatched ? unsqueeze(x, 0) : x;
    const opts: ConvOptions = o ?? {};
    let padding: IntOrTuple | undefined;
    if (opts.padding === 'valid') padding = 0;
    else if (opts.padding === 'same') {
      const same = samePadding(op, r, xb, weight, opts);
      xb = same.x;
      padding = same.padding;
    } else if (typeof opts.padding === 'string') {
      throw new ValueError(
        `${op}: padding must be a number, a tuple, 'same' or 'valid', got '${opts.padding}'`,
      );
    } else padding = opts.padding;
    const s = validate(op, r, xb, weight, bias ?? null, { ...opts, padding });
    const fused = r <= 2 && hasFusedConv(xb);
    // The bias and activation go into the kernel's epilogue where the backend offers it.
    const epilogue = bias && fused && xb.backend.fused?.conv2dBias ? bias : null;
    const kernel = epilogue
      ? (x4: Tensor, w4: Tensor, p: Conv2dParams, shape4: number[]) =>
          conv2dBiasFused(x4, w4, epilogue, p, shape4, activation)
      : conv2dFused;
    const y = fused
      ? onConv2dKernel(xb, weight, s, weight.shape[0], s.out, kernel)
      : convComposite(xb, weight, s);
    if (epilogue) return withBias(y, null, unbatched);
    const out = withBias(y, bias, unbatched);
    return activation === 'relu' ? relu(out) : out;
  });
}

/** 1-d convolution over [N, C, L] (or [C, L]) with weight [outC, inC/groups, k] (PyTorch's F.conv1d). */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convNd('conv1d', 1, x, weight, bias, options);
}

/** 2-d convolution over [N, C, H, W] (or [C, H, W]) with weight [outC, inC/groups, kH, kW] (PyTorch's F.conv2d). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convNd('conv2d', 2, x, weight, bias, options);
}

/**
 * `conv1d`/`conv2d`/`conv3d` followed by `activation`, as one op where the backend's conv kernel
 * applies the bias and the activation in its epilogue (how a Conv layer and a ReLU after it run
 * inside a Sequential); else the convolution, the bias and relu as separate ops.
 */
export function convActivation(
  rank: 1 | 2 | 3,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: ConvOptions,
  activation: FusedActivation,
): Tensor {
  const op = `conv${rank}d`;
  if (activation !== 'none' && activation !== 'relu') {
    throw new ValueError(`${op}: activation must be 'none' or 'relu', got '${String(activation)}'`);
  }
  return convNd(op, rank, x, weight, bias, options, activation);
}

/** 3-d convolution over [N, C, D, H, W] (or [C, D, H, W]) with weight [outC, inC/groups, kD, kH, kW]. */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convNd('conv3d', 3, x, weight, bias, options);
}
