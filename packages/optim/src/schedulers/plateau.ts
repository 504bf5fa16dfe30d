import { checkOptions, optionKeys, ValueError } from '@nn/tensor';
import { finite } from '../validate.js';
import type { SchedulableOptimizer } from './base.js';

/** Options of `ReduceLROnPlateau` (PyTorch's names and defaults). */
export interface ReduceLROnPlateauOptions {
  /** 'min': lower metric is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** New lr = lr · factor (default 0.1, must be < 1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4). */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  minLr?: number | readonly number[];
  /** Smaller changes than this are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr when a metric has stopped improving; call `step(metric)` once per epoch. */
export class ReduceLROnPlateau {
  readonly optimizer: SchedulableOptimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    checkOptions(
      op,
      options,
      optionKeys<ReduceLROnPlateauOptions>({
        mode: 1,
        factor: 1,
        patience: 1,
        threshold: 1,
        thresholdMode: 1,
        cooldown: 1,
        minLr: 1,
        eps: 1,
      }),
    );
    this.optimizer = optimizer;
    this.mode = options.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ValueError(`${op}: mode must be 'min' or 'max', got '${String(this.mode)}'`);
    this.factor = finite(op, 'factor', options.factor ?? 0.1, (v) => v >= 0 && v < 1, 'in [0, 1)');
    this.patience = finite(
      op,
      'patience',
      options.patience ?? 10,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer >= 0',
    );
    this.threshold = finite(op, 'threshold', options.threshold ?? 1e-4, (v) => v >= 0, 'a number >= 0');
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ValueError(
        `${op}: thresholdMode must be 'rel' or 'abs', got '${String(this.thresholdMode)}'`,
      );
    }
    this.cooldown = finite(
      op,
      'cooldown',
      options.cooldown ?? 0,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer >= 0',
    );
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    this.minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: n }, () => minLr as number);
    if (this.minLrs.length !== n)
      throw new ValueError(`${op}: minLr needs ${n} values (one per group), got ${this.minLrs.length}`);
    for (const v of this.minLrs) finite(op, 'minLr', v, (x) => x >= 0, 'a number >= 0');
    this.eps = finite(op, 'eps', options.eps ?? 1e-8, (v) => v >= 0, 'a number >= 0');
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number): boolean {
    const b = this.best;
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < b * (1 - this.threshold) : a < b - this.threshold;
    return this.thresholdMode === 'rel' ? a > b * (this.threshold + 1) : a > b + this.threshold;
  }

  /** Records one epoch's metric and reduces the lr if it has plateaued. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) {
      throw new ValueError(`ReduceLROnPlateau.step: metric must be a number, got ${String(metric)}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}
