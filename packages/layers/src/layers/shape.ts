import { flatten, type Tensor, unflatten } from '@nn/tensor';
import { Module } from '../module.js';

/** Flattens dims startDim..endDim into one (default: everything but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

/** Splits one dim into `sizes` (the inverse of Flatten). */
export class Unflatten extends Module {
  constructor(
    readonly dim: number,
    readonly sizes: readonly number[],
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return unflatten(x, this.dim, this.sizes);
  }
}
