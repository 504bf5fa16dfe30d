import { checkOptions, ValueError } from '@nn/tensor';
import { finite, positiveInt } from '../validate.js';
import { LRScheduler, type SchedulableOptimizer } from './base.js';

/** Multiplies the lr by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: SchedulableOptimizer, options: { stepSize: number; gamma?: number }) {
    checkOptions('StepLR', options, ['stepSize', 'gamma']);
    super(optimizer);
    this.stepSize = positiveInt('StepLR', 'stepSize', options?.stepSize);
    this.gamma = finite('StepLR', 'gamma', options.gamma ?? 0.1);
    this.initialStep();
  }
  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

/** Multiplies the lr by `gamma` at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: Map<number, number>;
  readonly gamma: number;
  constructor(optimizer: SchedulableOptimizer, options: { milestones: readonly number[]; gamma?: number }) {
    checkOptions('MultiStepLR', options, ['milestones', 'gamma']);
    super(optimizer);
    if (!Array.isArray(options?.milestones))
      throw new ValueError('MultiStepLR: milestones must be a list of epochs');
    this.milestones = new Map();
    for (const m of options.milestones) {
      positiveInt('MultiStepLR', 'each milestone', m);
      this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    }
    this.gamma = finite('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    this.initialStep();
  }
  protected computeLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (!count) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma ** count);
  }
}

/** Multiplies the lr by `gamma` every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: SchedulableOptimizer, options: { gamma: number }) {
    checkOptions('ExponentialLR', options, ['gamma']);
    super(optimizer);
    this.gamma = finite('ExponentialLR', 'gamma', options?.gamma);
    this.initialStep();
  }
  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Cosine annealing from the base lr to `etaMin` over `tMax` epochs, in PyTorch's recursive form
 * (which keeps going past tMax: the lr climbs back up over the next tMax epochs).
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: SchedulableOptimizer, options: { tMax: number; etaMin?: number }) {
    checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    super(optimizer);
    this.tMax = positiveInt('CosineAnnealingLR', 'tMax', options?.tMax);
    this.etaMin = finite('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.initialStep();
  }
  protected computeLr(): number[] {
    const e = this.lastEpoch;
    const T = this.tMax;
    const lrs = this.groupLrs;
    if (e === 0) return lrs;
    const period = 2 * T;
    if ((((e - 1 - T) % period) + period) % period === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - this.etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return lrs.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - this.etaMin) +
        this.etaMin,
    );
  }
}

/** Scales the lr linearly from `startFactor` to `endFactor` over `totalIters` epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(
    optimizer: SchedulableOptimizer,
    options: { startFactor?: number; endFactor?: number; totalIters?: number } = {},
  ) {
    checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    super(optimizer);
    this.startFactor = finite(
      'LinearLR',
      'startFactor',
      options.startFactor ?? 1 / 3,
      (v) => v > 0 && v <= 1,
      'in (0, 1]',
    );
    this.endFactor = finite(
      'LinearLR',
      'endFactor',
      options.endFactor ?? 1,
      (v) => v >= 0 && v <= 1,
      'in [0, 1]',
    );
    this.totalIters = positiveInt('LinearLR', 'totalIters', options.totalIters ?? 5);
    this.initialStep();
  }
  protected computeLr(): number[] {
    const e = this.lastEpoch;
    const lrs = this.groupLrs;
    if (e === 0) return lrs.map((lr) => lr * this.startFactor);
    if (e > this.totalIters) return lrs;
    const d = this.endFactor - this.startFactor;
    return lrs.map((lr) => lr * (1 + d / (this.totalIters * this.startFactor + (e - 1) * d)));
  }
}

/** lr = base lr · lambda(epoch), one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  readonly lambdas: ((epoch: number) => number)[];
  constructor(
    optimizer: SchedulableOptimizer,
    lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[],
  ) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    const list = Array.isArray(lrLambda) ? lrLambda : Array.from({ length: n }, () => lrLambda);
    if (list.length !== n || list.some((f) => typeof f !== 'function')) {
      throw new ValueError(`LambdaLR: expected one function or ${n} functions (one per parameter group)`);
    }
    this.lambdas = list;
    this.initialStep();
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((lr, i) => lr * this.lambdas[i](this.lastEpoch));
  }
}

/** lr = lr0 / (1 + decay · t): the "learning-rate decay" of many from-scratch courses. */
export class InverseTimeLR extends LRScheduler {
  readonly decay: number;
  constructor(optimizer: SchedulableOptimizer, options: { decay: number }) {
    checkOptions('InverseTimeLR', options, ['decay']);
    super(optimizer);
    this.decay = finite('InverseTimeLR', 'decay', options?.decay, (v) => v >= 0, 'a finite number >= 0');
    this.initialStep();
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((lr) => lr / (1 + this.decay * this.lastEpoch));
  }
}
