import { checkOptions, type Tensor } from '@nn/tensor';
import {
  BCE_KEYS,
  BCE_WITH_LOGITS_KEYS,
  type BceOptions,
  type BceWithLogitsOptions,
  bceLoss,
  bceWithLogitsLoss,
} from './binary.js';
import {
  CROSS_ENTROPY_KEYS,
  type CrossEntropyOptions,
  crossEntropy,
  NLL_KEYS,
  type NllOptions,
  nllLoss,
} from './classification.js';
import { KL_DIV_KEYS, type KlDivOptions, klDiv } from './kl.js';
import {
  HUBER_KEYS,
  type HuberOptions,
  huberLoss,
  l1Loss,
  mseLoss,
  REDUCTION_KEYS,
  type ReductionOptions,
  SMOOTH_L1_KEYS,
  type SmoothL1Options,
  smoothL1Loss,
} from './regression.js';

/** A loss as an object holding its options, called like a PyTorch loss module: `loss.call(input, target)`. */
export abstract class Loss<O> {
  /** `check` names the loss and its option keys: unknown keys are refused here, not at the first call. */
  constructor(
    readonly options: O,
    check?: { name: string; keys: readonly string[] },
  ) {
    if (check) checkOptions(check.name, options as object | undefined, check.keys);
  }
  abstract forward(input: Tensor, target: Tensor): Tensor;
  /** Same as `forward`. */
  call(input: Tensor, target: Tensor): Tensor {
    return this.forward(input, target);
  }
}

/** Module form of `mseLoss`. */
export class MSELoss extends Loss<ReductionOptions> {
  constructor(options: ReductionOptions = {}) {
    super(options, { name: 'MSELoss', keys: REDUCTION_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** Module form of `l1Loss`. */
export class L1Loss extends Loss<ReductionOptions> {
  constructor(options: ReductionOptions = {}) {
    super(options, { name: 'L1Loss', keys: REDUCTION_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** Module form of `smoothL1Loss`. */
export class SmoothL1Loss extends Loss<SmoothL1Options> {
  constructor(options: SmoothL1Options = {}) {
    super(options, { name: 'SmoothL1Loss', keys: SMOOTH_L1_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** Module form of `huberLoss`. */
export class HuberLoss extends Loss<HuberOptions> {
  constructor(options: HuberOptions = {}) {
    super(options, { name: 'HuberLoss', keys: HUBER_KEYS });
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
    super(options, { name: 'CrossEntropyLoss', keys: CROSS_ENTROPY_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/** Module form of `nllLoss`. */
export class NLLLoss extends Loss<NllOptions> {
  constructor(options: NllOptions = {}) {
    super(options, { name: 'NLLLoss', keys: NLL_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/** Module form of `bceLoss`. */
export class BCELoss extends Loss<BceOptions> {
  constructor(options: BceOptions = {}) {
    super(options, { name: 'BCELoss', keys: BCE_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return bceLoss(input, target, this.options);
  }
}

/** Module form of `bceWithLogitsLoss`. */
export class BCEWithLogitsLoss extends Loss<BceWithLogitsOptions> {
  constructor(options: BceWithLogitsOptions = {}) {
    super(options, { name: 'BCEWithLogitsLoss', keys: BCE_WITH_LOGITS_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogitsLoss(input, target, this.options);
  }
}

/** Module form of `klDiv`. */
export class KLDivLoss extends Loss<KlDivOptions> {
  constructor(options: KlDivOptions = {}) {
    super(options, { name: 'KLDivLoss', keys: KL_DIV_KEYS });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}
