import {
  checkOptions,
  conv1d,
  conv2d,
  conv3d,
  type FusedActivation,
  type IntOrTuple,
  optionKeys,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { convActivation } from '@nn/tensor/internal';
import { ConvBase, type ConvBaseOptions, spatialInts } from './conv-base.js';

/** Options of Conv1d/2d/3d: stride, padding, dilation, groups, bias, and where the parameters live. */
export interface ConvLayerOptions extends ConvBaseOptions {
  stride?: IntOrTuple;
  /** Zeros on both sides of each spatial dim; 'same' keeps the size (stride 1 only), 'valid' is 0. */
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
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

/** The shared body of Conv1d/2d/3d: weight [out, in / groups, ...kernel], PyTorch's default init. */
abstract class ConvNd extends ConvBase {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple | 'same' | 'valid';
  readonly dilation: IntOrTuple;
  protected abstract readonly fn: ConvFn;

  protected constructor(
    op: string,
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    o: ConvLayerOptions,
  ) {
    checkOptions(op, o, CONV_LAYER_KEYS);
    const stride = o.stride ?? 1;
    const padding = o.padding ?? 0;
    const dilation = o.dilation ?? 1;
    const strides = spatialInts(op, 'stride', stride, rank);
    if (padding === 'same') {
      if (strides.some((v) => v !== 1))
        throw new ValueError(`${op}: padding 'same' needs stride 1, got ${JSON.stringify(stride)}`);
    } else if (padding !== 'valid') spatialInts(op, 'padding', padding, rank);
    spatialInts(op, 'dilation', dilation, rank);
    super(op, rank, inChannels, outChannels, kernelSize, o, false);
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
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
    this.checkInput(x);
    const options = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    };
    if (activation === 'none') return this.fn(x, this.weight, this.bias, options);
    return convActivation(
      this.kernelSize.length as 1 | 2 | 3,
      x,
      this.weight,
      this.bias,
      options,
      activation,
    );
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
