import { fmtShape, type IntOrTuple, ShapeError, type Tensor, ValueError } from '@nn/tensor';
import { kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { type FactoryOptions, param, positiveInt } from './util.js';

/** `v` as `rank` non-negative integers (one number stands for every spatial dim). */
export function spatialInts(op: string, name: string, v: IntOrTuple, rank: number): number[] {
  const list = typeof v === 'number' ? Array.from({ length: rank }, () => v) : [...v];
  if (list.length !== rank || list.some((k) => !Number.isInteger(k) || k < 0)) {
    throw new ValueError(
      `${op}: ${name} must be a non-negative integer or ${rank} of them, got ${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** The options every convolution layer reads here; the rest are its own. */
export interface ConvBaseOptions extends FactoryOptions {
  /** Channel groups: input and output channels split into that many independent convolutions. */
  groups?: number;
  /** false leaves the bias out. */
  bias?: boolean;
}

/**
 * What Conv1d/2d/3d and ConvTranspose1d/2d/3d share: channels, groups and kernel checked, the
 * weight and bias made and initialised as PyTorch (kaiming-uniform a = √5; bias uniform in
 * ±1/√fanIn), and the input's channel check. A subclass checks its own options before `super`, so
 * a bad option makes no parameter.
 */
export abstract class ConvBase<In extends unknown[] = [Tensor]> extends Module<In> {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly groups: number;

  /** `transposed`: the weight is [in, out / groups, ...kernel], else [out, in / groups, ...kernel]. */
  protected constructor(
    op: string,
    rank: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    o: ConvBaseOptions,
    transposed: boolean,
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
    const [first, second] = transposed ? [inChannels, outChannels] : [outChannels, inChannels];
    this.weight = kaimingUniform(param([first, second / this.groups, ...this.kernelSize], o), {
      a: Math.sqrt(5),
    });
    // PyTorch's fan-in of either layout: dim 1 of the weight times the kernel.
    const fanIn = (second / this.groups) * this.kernelSize.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    this.bias = o.bias === false ? null : uniform(param([outChannels], o), -bound, bound);
  }

  /** A ShapeError unless x is [N, inChannels, ...spatial] or unbatched [inChannels, ...spatial]. */
  protected checkInput(x: Tensor): void {
    const rank = this.kernelSize.length;
    const cAxis = x.ndim === rank + 2 ? 1 : 0;
    if (x.ndim < rank + 1 || x.ndim > rank + 2 || x.shape[cAxis] !== this.inChannels) {
      throw new ShapeError(
        `${this.constructor.name}: expected input with ${this.inChannels} channels, [N, ${this.inChannels}, ${rank}-d spatial] or unbatched, got ${fmtShape(x.shape)}`,
      );
    }
  }
}
