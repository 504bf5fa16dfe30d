import {
  type AvgPoolOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  checkOptions,
  type IntOrTuple,
  type MaxPoolOptions,
  maxPool1d,
  maxPool2d,
  optionKeys,
  type PoolWithIndices,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { Module } from '../module.js';

type MaxOptions<R extends boolean> = Omit<MaxPoolOptions, 'kernelSize' | 'returnIndices'> & {
  returnIndices?: R;
};
/** What a max pool gives: the pooled tensor, or values and indices with `returnIndices: true`. */
export type MaxPoolOutput<R extends boolean> = R extends true ? PoolWithIndices : Tensor;
type AvgOptions = Omit<AvgPoolOptions, 'kernelSize'>;
const MAX_KEYS = optionKeys<MaxOptions<boolean>>({
  stride: 1,
  padding: 1,
  dilation: 1,
  ceilMode: 1,
  returnIndices: 1,
});

/** 2-d max pooling; the stride defaults to the kernel size. With `returnIndices`, forward gives `{ values, indices }`. */
export class MaxPool2d<R extends boolean = false> extends Module<[Tensor], MaxPoolOutput<R>> {
  constructor(
    readonly kernelSize: IntOrTuple,
    readonly options: MaxOptions<R> = {},
  ) {
    super();
    // Validate now rather than at the first forward.
    checkOptions('MaxPool2d', options, MAX_KEYS);
    checkKernelSize('MaxPool2d', kernelSize);
  }
  forward(x: Tensor): MaxPoolOutput<R> {
    return maxPool2d(x, { ...this.options, kernelSize: this.kernelSize }) as MaxPoolOutput<R>;
  }
}

/** 1-d max pooling over [N, C, L]. */
export class MaxPool1d<R extends boolean = false> extends Module<[Tensor], MaxPoolOutput<R>> {
  constructor(
    readonly kernelSize: number,
    readonly options: MaxOptions<R> = {},
  ) {
    super();
    checkOptions('MaxPool1d', options, MAX_KEYS);
    checkKernelSize('MaxPool1d', kernelSize);
  }
  forward(x: Tensor): MaxPoolOutput<R> {
    return maxPool1d(x, { ...this.options, kernelSize: this.kernelSize }) as MaxPoolOutput<R>;
  }
}

/** 2-d average pooling (countIncludePad default true, as PyTorch). */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: IntOrTuple,
    readonly options: AvgOptions = {},
  ) {
    super();
    checkOptions(
      'AvgPool2d',
      options,
      optionKeys<AvgOptions>({ stride: 1, padding: 1, ceilMode: 1, countIncludePad: 1 }),
    );
    checkKernelSize('AvgPool2d', kernelSize);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { ...this.options, kernelSize: this.kernelSize });
  }
}

/** Average pooling to a fixed output size, whatever the input size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number, number]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

function checkKernelSize(op: string, k: IntOrTuple): void {
  const list = typeof k === 'number' ? [k] : [...k];
  if (list.length === 0 || list.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new ValueError(
      `${op}: kernelSize must be a positive integer or a list of them, got ${JSON.stringify(k)}`,
    );
  }
}
