import type { Tensor } from '@nn/tensor';
import { type BceOptions, type BceWithLogitsOptions, bceLoss, bceWithLogitsLoss } from './binary.js';
import { type CrossEntropyOptions, crossEntropy, type NllOptions, nllLoss } from './classification.js';
import { type KlDivOptions, klDiv } from './kl.js';
import {
  type HuberOptions,
  huberLoss,
  l1Loss,
  mseLoss,
  type ReductionOptions,
  type SmoothL1Options,
  smoothL1Loss,
} from './regression.js';

/** A loss as an object holding its options, called like a PyTorch loss module: `loss.call(input, target)`. */
export abstract class Loss<O> {
  constructor(readonly options: O) {}
  abstract forward(input: Tensor, target: Tensor): Tensor;
  /** Same as `forward`. */
  call(input: Tensor, target: Tensor): Tensor {
    return this.forward(input, target);
  }
}

/** Module form of `mseLoss`. */
export class MSELoss extends Loss<ReductionOptions> {
  constructor(options: ReductionOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** Module form of `l1Loss`. */
export class L1Loss extends Loss<ReductionOptions> {
  constructor(options: ReductionOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** Module form of `smoothL1Loss`. */
export class SmoothL1Loss extends Loss<SmoothL1Options> {
  constructor(options: SmoothL1Options = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** Module form of `huberLoss`. */
export class HuberLoss extends Loss<HuberOptions> {
  constructor(options: HuberOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/**
 * Module form of `crossEntropy`.
 *
 * @example
 * ```ts
 * const lossFn = new CrossEntropyLoss({ ignoreIndex: -100 });
 * const loss = lossFn.call(model.call(x), y);
 * ```
 */
export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  constructor(options: CrossEntropyOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/** Module form of `nllLoss`. */
export class NLLLoss extends Loss<NllOptions> {
  constructor(options: NllOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/** Module form of `bceLoss`. */
export class BCELoss extends Loss<BceOptions> {
  constructor(options: BceOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return bceLoss(input, target, this.options);
  }
}

/** Module form of `bceWithLogitsLoss`. */
export class BCEWithLogitsLoss extends Loss<BceWithLogitsOptions> {
  constructor(options: BceWithLogitsOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogitsLoss(input, target, this.options);
  }
}

/** Module form of `klDiv`. */
export class KLDivLoss extends Loss<KlDivOptions> {
  constructor(options: KlDivOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}
