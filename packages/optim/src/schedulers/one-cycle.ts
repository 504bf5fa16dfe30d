import { checkOptions, optionKeys, ValueError } from '@nn/tensor';
import { finite, positiveInt } from '../validate.js';
import { LRScheduler, type SchedulableOptimizer } from './base.js';

/** Options of `OneCycleLR`: `maxLr` and either `totalSteps` or `epochs` × `stepsPerEpoch`. */
export interface OneCycleOptions {
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Go back down to the initial lr before annealing to the min lr (default false). */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  lr: ['initial' | 'max' | 'min', 'initial' | 'max' | 'min'];
  momentum: ['max' | 'base', 'max' | 'base'];
}

interface CycleGroup {
  lr: number;
  momentum?: number;
  betas?: readonly [number, number];
}

/** The 1cycle policy (Smith & Topin), stepped once per batch, matching PyTorch's OneCycleLR. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;
  private readonly lrs: { initial: number; max: number; min: number }[];
  private readonly moms: { base: number; max: number }[];

  constructor(optimizer: SchedulableOptimizer, options: OneCycleOptions) {
    checkOptions(
      'OneCycleLR',
      options,
      optionKeys<OneCycleOptions>({
        maxLr: 1,
        totalSteps: 1,
        epochs: 1,
        stepsPerEpoch: 1,
        pctStart: 1,
        annealStrategy: 1,
        cycleMomentum: 1,
        baseMomentum: 1,
        maxMomentum: 1,
        divFactor: 1,
        finalDivFactor: 1,
        threePhase: 1,
      }),
    );
    super(optimizer);
    const op = 'OneCycleLR';
    const n = optimizer.paramGroups.length;
    const perGroup = (name: string, v: number | readonly number[]): number[] => {
      const list = Array.isArray(v) ? [...v] : Array.from({ length: n }, () => v as number);
      if (list.length !== n)
        throw new ValueError(`${op}: ${name} needs ${n} values (one per group), got ${list.length}`);
      return list.map((x) => finite(op, name, x));
    };
    if (options?.totalSteps !== undefined)
      this.totalSteps = positiveInt(op, 'totalSteps', options.totalSteps);
    else if (options?.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      this.totalSteps =
        positiveInt(op, 'epochs', options.epochs) * positiveInt(op, 'stepsPerEpoch', options.stepsPerEpoch);
    } else throw new ValueError(`${op}: give totalSteps, or epochs and stepsPerEpoch`);
    const pct = finite(op, 'pctStart', options.pctStart ?? 0.3, (v) => v >= 0 && v <= 1, 'in [0, 1]');
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear')
      throw new ValueError(`${op}: annealStrategy must be 'cos' or 'linear', got '${String(strategy)}'`);
    this.anneal =
      strategy === 'cos'
        ? (s, e, p) => e + ((s - e) / 2) * (Math.cos(Math.PI * p) + 1)
        : (s, e, p) => (e - s) * p + s;
    const T = this.totalSteps;
    this.phases = options.threePhase
      ? [
          { endStep: pct * T - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { endStep: 2 * pct * T - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
          { endStep: T - 1, lr: ['initial', 'min'], momentum: ['max', 'max'] },
        ]
      : [
          { endStep: pct * T - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { endStep: T - 1, lr: ['max', 'min'], momentum: ['base', 'max'] },
        ];
    const div = finite(op, 'divFactor', options.divFactor ?? 25, (v) => v > 0, 'a number > 0');
    const finalDiv = finite(
      op,
      'finalDivFactor',
      options.finalDivFactor ?? 1e4,
      (v) => v > 0,
      'a number > 0',
    );
    const maxLrs = perGroup('maxLr', options.maxLr);
    this.lrs = maxLrs.map((m) => ({ initial: m / div, max: m, min: m / div / finalDiv }));
    const groups = optimizer.paramGroups as unknown as CycleGroup[];
    groups.forEach((g, i) => {
      g.lr = this.lrs[i].initial;
    });
    this.cycleMomentum = options.cycleMomentum ?? true;
    this.useBeta1 = groups.every((g) => Array.isArray(g.betas));
    const base = perGroup('baseMomentum', options.baseMomentum ?? 0.85);
    const max = perGroup('maxMomentum', options.maxMomentum ?? 0.95);
    this.moms = base.map((b, i) => ({ base: b, max: max[i] }));
    if (this.cycleMomentum) {
      if (!this.useBeta1 && !groups.every((g) => typeof g.momentum === 'number')) {
        throw new ValueError(
          `${op}: the optimizer has neither momentum nor betas; pass cycleMomentum: false`,
        );
      }
      for (const [i, g] of groups.entries()) this.setMomentum(g, this.moms[i].max);
    }
    this.initialStep();
  }

  private setMomentum(g: CycleGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, (g.betas as readonly [number, number])[1]];
    else g.momentum = m;
  }

  protected computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new ValueError(`OneCycleLR: stepped ${step} times, more than totalSteps ${this.totalSteps}`);
    }
    const groups = this.optimizer.paramGroups as unknown as CycleGroup[];
    return groups.map((g, i) => {
      let start = 0;
      for (let k = 0; k < this.phases.length; k++) {
        const ph = this.phases[k];
        if (step <= ph.endStep || k === this.phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          const lr = this.anneal(this.lrs[i][ph.lr[0]], this.lrs[i][ph.lr[1]], pct);
          if (this.cycleMomentum)
            this.setMomentum(g, this.anneal(this.moms[i][ph.momentum[0]], this.moms[i][ph.momentum[1]], pct));
          return lr;
        }
        start = ph.endStep;
      }
      return g.lr;
    });
  }
}
