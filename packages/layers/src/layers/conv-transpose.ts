import {
  checkOptions,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  fmtShape,
  type IntOrTuple,
  optionKeys,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { ConvBase, type ConvBaseOptions, spatialInts } from './conv-base.js';

/** Options of ConvTranspose1d/2d/3d: stride, padding, outputPadding, dilation, groups, bias, and where the parameters live. */
export interface ConvTransposeLayerOptions extends ConvBaseOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  /** Extra size on one side of the output (each below stride or dilation). */
  outputPadding?: IntOrTuple;
  dilation?: IntOrTuple;
}

const CONV_TRANSPOSE_LAYER_KEYS = optionKeys<ConvTransposeLayerOptions>({
  stride: 1,
  padding: 1,
  outputPadding: 1,
  groups: 1,
  bias: 1,
  dilation: 1,
  dtype: 1,
  backend: 1,
});

type ConvTransposeFn = typeof convTranspose2d;

/** The outputPadding that makes the output exactly `outputSize` (its spatial dims), as PyTorch. */
function paddingFor(layer: ConvTransposeNd, x: Tensor, outputSize: readonly number[]): number[] {
  const { kernelSize, stride, padding, dilation } = layer;
  const r = kernelSize.length;
  const spatial = outputSize.length > r ? outputSize.slice(outputSize.length - r) : [...outputSize];
  const name = layer.constructor.name;
  if (spatial.length !== r) {
    throw new ValueError(`${name}: outputSize must give ${r} spatial sizes, got [${outputSize}]`);
  }
  return spatial.map((want, i) => {
    const size = x.shape[x.ndim - r + i];
    const least = (size - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernelSize[i] - 1) + 1;
    const extra = want - least;
    if (!Number.isInteger(want) || extra < 0 || extra >= Math.max(stride[i], dilation[i])) {
      throw new ValueError(
        `${name}: outputSize ${want} in spatial dim ${i} is out of reach for input ${fmtShape(x.shape)} (from ${least} to ${least + Math.max(stride[i], dilation[i]) - 1})`,
      );
    }
    return extra;
  });
}

/**
 * The shared body of ConvTranspose1d/2d/3d: weight [in, out / groups, ...kernel] (PyTorch's
 * layout), initialised as PyTorch (kaiming-uniform a = √5 over that weight's fan-in).
 */
abstract class ConvTransposeNd extends ConvBase<[Tensor, (readonly number[])?]> {
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  protected abstract readonly fn: ConvTransposeFn;

  protected constructor(
    op: string,
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    o: ConvTransposeLayerOptions,
  ) {
    checkOptions(op, o, CONV_TRANSPOSE_LAYER_KEYS);
    const stride = spatialInts(op, 'stride', o.stride ?? 1, rank);
    const padding = spatialInts(op, 'padding', o.padding ?? 0, rank);
    const outputPadding = spatialInts(op, 'outputPadding', o.outputPadding ?? 0, rank);
    const dilation = spatialInts(op, 'dilation', o.dilation ?? 1, rank);
    if (stride.some((s) => s === 0) || dilation.some((d) => d === 0))
      throw new ValueError(`${op}: stride and dilation must be positive`);
    outputPadding.forEach((p, i) => {
      if (p >= stride[i] && p >= dilation[i]) {
        throw new ValueError(
          `${op}: outputPadding must be smaller than stride or dilation, got ${JSON.stringify(o.outputPadding)}`,
        );
      }
    });
    super(op, rank, inChannels, outChannels, kernelSize, o, true);
    this.stride = stride;
    this.padding = padding;
    this.outputPadding = outputPadding;
    this.dilation = dilation;
  }

  /** Transposed convolution of x; `outputSize` picks among the sizes a stride > 1 leaves open. */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x);
    return this.fn(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: outputSize ? paddingFor(this, x, outputSize) : this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}], outputPadding=[${this.outputPadding}]`;
  }
}

/** Transposed 1-d convolution over [N, C, L] (the gradient of Conv1d with respect to its input). */
export class ConvTranspose1d extends ConvTransposeNd {
  protected readonly fn = convTranspose1d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions = {},
  ) {
    super('ConvTranspose1d', 1, inChannels, outChannels, kernelSize, options);
  }
}

/** Transposed 2-d convolution over [N, C, H, W]: learnable upsampling, as in decoders and GANs. */
export class ConvTranspose2d extends ConvTransposeNd {
  protected readonly fn = convTranspose2d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions = {},
  ) {
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, options);
  }
}

/** Transposed 3-d convolution over [N, C, D, H, W]. */
export class ConvTranspose3d extends ConvTransposeNd {
  protected readonly fn = convTranspose3d;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions = {},
  ) {
    super('ConvTranspose3d', 3, inChannels, outChannels, kernelSize, options);
  }
}
