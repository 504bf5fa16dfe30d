import {
  checkOptions,
  conv1d,
  conv2d,
  conv3d,
  type FusedActivation,
  fmtShape,
  type IntOrTuple,
  optionKeys,
  ShapeError,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { convActivation } from '@nn/tensor/internal';
import { kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { type FactoryOptions, param, positiveInt } from './util.js';

export interface ConvLayerOptions extends FactoryOptions {
  stride?: IntOrTuple;
  /** Zeros on both sides of each spatial dim; 'same' keeps the size (stride 1 only), 'valid' is 0. */
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
}

const CONV_LAYER_KEYS = optionKeys<ConvLayerOptions>({
  dtype: 1,
  backend: 1,
  stride: 1,
  padding: 1,
  dilation: 1,
  groups: 1,
  bias: 1,
});

type ConvFn = typeof conv2d;

export function spatialInts(op: string, name: string, v: IntOrTuple, rank: number): number[] {
  const list = typeof v === 'number' ? Array.from({ length: rank }, () => v) : [...v];
  if (list.length !== rank || list.some((k) => !Number.isInteger(k) || k < 0)) {
    throw new ValueError(
      `${op}: ${name} must be a non-negative integer or ${rank} of them, got ${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** The shared body of Conv1d/2d/3d: weight [out, in / groups, ...kernel], PyTorch's default init. */
abstract class ConvNd extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple | 'same' | 'valid';
  readonly dilation: IntOrTuple;
  readonly groups: number;
  protected abstract readonly fn: ConvFn;

  protected constructor(
    op: string,
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    o: ConvLayerOptions,
  ) {
    super();
    checkOptions(op, o, CONV_LAYER_KEYS);
    this.inChannels = positiveInt(op, 'inChannels', inChannels);
    this.outChannels = positiveInt(op, 'outChannels', outChannels);
    this.groups = positiveInt(op, 'groups', o.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ValueError(
        `${op}: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${this.groups})`,
      );
    }
    this.kernelSize = spatialInts(op, 'kernelSize', kernelSize, rank);
    if (this.kernelSize.some((k) => k === 0))
      throw new ValueError(`${op}: kernelSize must be positive, got ${JSON.stringify(kernelSize)}`);
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    const stride = spatialInts(op, 'stride', this.stride, rank);
    if (this.padding === 'same') {
      if (stride.some((v) => v !== 1))
        throw new ValueError(`${op}: padding 'same' needs stride 1, got ${JSON.stringify(this.stride)}`);
    } else if (this.padding !== 'valid') spatialInts(op, 'padding', this.padding, rank);
    spatialInts(op, 'dilation', this.dilation, rank);
    this.weight = kaimingUniform(param([outChannels, inChannels / this.groups, ...this.kernelSize], o), {
      a: Math.sqrt(5),
    });
    const fanIn = (inChannels / this.groups) * this.kernelSize.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    this.bias = o.bias === false ? null : uniform(param([outChannels], o), -bound, bound);
  }

  forward(x: Tensor): Tensor {
    return this.convolve(x, 'none');
  }

  /**
   * `forward` followed by relu as one op (the bias and relu in the conv kernel's epilogue where the
   * backend has it), for a Sequential that holds a ReLU right after this layer; undefined when a
   * subclass changed `forward` (then the two run as written).
   */
  forwardRelu(x: Tensor): Tensor | undefined {
    if (this.forward !== ConvNd.prototype.forward) return undefined;
    return this.convolve(x, 'relu');
  }

  private convolve(x: Tensor, activation: FusedActivation): Tensor {
    const rank = this.kernelSize.length as 1 | 2 | 3;
    const cAxis = x.ndim === rank + 2 ? 1 : 0;
    if (x.ndim < rank + 1 || x.ndim > rank + 2 || x.shape[cAxis] !== this.inChannels) {
      throw new ShapeError(
        `${this.constructor.name}: expected input with ${this.inChannels} channels, [N, ${this.inChannels}, ${rank}-d spatial] or unbatched, got ${fmtShape(x.shape)}`,
      );
    }
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    if (activation === 'none') return this.fn(x, this.weight, this.bias, options);
    return convActivation(rank, x, this.weight, this.bias, options, activation);
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}`;
  }
}

/** 1-d convolution over [N, C, L]. */
export class Conv1d extends ConvNd {
  protected readonly fn = conv1d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvLayerOptions = {},
  ) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-d convolution over [N, C, H, W].
 *
 * @example
 * ```ts
 * const conv = new Conv2d(1, 8, 3, { padding: 1 });
 * const y = conv.call(randn([4, 1, 28, 28])); // [4, 8, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  protected readonly fn = conv2d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvLayerOptions = {},
  ) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }
}

/** 3-d convolution over [N, C, D, H, W]. */
export class Conv3d extends ConvNd {
  protected readonly fn = conv3d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvLayerOptions = {},
  ) {
    super('Conv3d', 3, inChannels, outChannels, kernelSize, options);
  }
}
