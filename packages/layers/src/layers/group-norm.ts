import { groupNorm, ones, type Tensor, ValueError, zeros } from '@nn/tensor';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type FactoryOptions, positiveInt } from './util.js';

export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  /** Learn a per-channel scale (`weight`) and shift (`bias`) (default true). */
  affine?: boolean;
}

/**
 * Group normalization (PyTorch's nn.GroupNorm): the channels of each sample split into
 * `numGroups` groups, each normalized over its channels and positions, so it behaves the same at
 * any batch size. Parameters `weight` and `bias` are per channel.
 */
export class GroupNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    this.numGroups = positiveInt('GroupNorm', 'numGroups', numGroups);
    this.numChannels = positiveInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new ValueError(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    }
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`GroupNorm: eps must be >= 0, got ${this.eps}`);
    const f = { dtype: options.dtype ?? 'float32', backend: options.backend };
    const affine = options.affine ?? true;
    this.weight = affine ? Parameter(ones([numChannels], f)) : null;
    this.bias = affine ? Parameter(zeros([numChannels], f)) : null;
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  protected override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}`;
  }
}
