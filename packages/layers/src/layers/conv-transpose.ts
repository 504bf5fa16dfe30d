import {
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  fmtShape,
  type IntOrTuple,
  ShapeError,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { spatialInts } from './conv.js';
import { type FactoryOptions, param, positiveInt } from './util.js';

export interface ConvTransposeLayerOptions extends FactoryOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  /** Extra size on one side of the output (each below stride or dilation). */
  outputPadding?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrTuple;
}

type ConvTransposeFn = typeof convTranspose2d;

/**
 * The shared body of ConvTranspose1d/2d/3d: weight [in, out / groups, ...kernel] (PyTorch's
 * layout), initialised as PyTorch (kaiming-uniform a = √5 over that weight's fan-in).
 */
abstract class ConvTransposeNd extends Module<[Tensor, (readonly number[])?]> {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  readonly groups: number;
  protected abstract readonly fn: ConvTransposeFn;

  protected constructor(
    op: string,
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    o: ConvTransposeLayerOptions,
  ) {
    super();
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
    this.stride = spatialInts(op, 'stride', o.stride ?? 1, rank);
    this.padding = spatialInts(op, 'padding', o.padding ?? 0, rank);
    this.outputPadding = spatialInts(op, 'outputPadding', o.outputPadding ?? 0, rank);
    this.dilation = spatialInts(op, 'dilation', o.dilation ?? 1, rank);
    if (this.stride.some((s) => s === 0) || this.dilation.some((d) => d === 0))
      throw new ValueError(`${op}: stride and dilation must be positive`);
    this.outputPadding.forEach((p, i) => {
      if (p >= this.stride[i] && p >= this.dilation[i]) {
        throw new ValueError(
          `${op}: outputPadding must be smaller than stride or dilation, got ${JSON.stringify(o.outputPadding)}`,
        );
      }
    });
    this.weight = kaimingUniform(param([inChannels, outChannels / this.groups, ...this.kernelSize], o), {
      a: Math.sqrt(5),
    });
    // PyTorch's fan-in of this weight layout: dim 1 times the kernel.
    const fanIn = (outChannels / this.groups) * this.kernelSize.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    this.bias = o.bias === false ? null : uniform(param([outChannels], o), -bound, bound);
  }

  /** The outputPadding that makes the output exactly `outputSize` (its spatial dims), as PyTorch. */
  #paddingFor(x: Tensor, outputSize: readonly number[]): number[] {
    const r = this.kernelSize.length;
    const spatial = outputSize.length > r ? outputSize.slice(outputSize.length - r) : [...outputSize];
    if (spatial.length !== r) {
      throw new ValueError(
        `${this.constructor.name}: outputSize must give ${r} spatial sizes, got [${outputSize}]`,
      );
    }
    return spatial.map((want, i) => {
      const size = x.shape[x.ndim - r + i];
      const least =
        (size - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      const extra = want - least;
      if (!Number.isInteger(want) || extra < 0 || extra >= Math.max(this.stride[i], this.dilation[i])) {
        throw new ValueError(
          `${this.constructor.name}: outputSize ${want} in spatial dim ${i} is out of reach for input ${fmtShape(x.shape)} (from ${least} to ${least + Math.max(this.stride[i], this.dilation[i]) - 1})`,
        );
      }
      return extra;
    });
  }

  /** Transposed convolution of x; `outputSize` picks among the sizes a stride > 1 leaves open. */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const rank = this.kernelSize.length;
    const cAxis = x.ndim === rank + 2 ? 1 : 0;
    if (x.ndim < rank + 1 || x.ndim > rank + 2 || x.shape[cAxis] !== this.inChannels) {
      throw new ShapeError(
        `${this.constructor.name}: expected input with ${this.inChannels} channels, [N, ${this.inChannels}, ${rank}-d spatial] or unbatched, got ${fmtShape(x.shape)}`,
      );
    }
    return this.fn(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: outputSize ? this.#paddingFor(x, outputSize) : this.outputPadding,
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
