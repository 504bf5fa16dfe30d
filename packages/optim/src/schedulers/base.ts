import { ValueError } from '@nn/tensor';
import type { BaseOptions, Optimizer } from '../optimizer.js';

/** What a scheduler needs of an optimizer: its groups' learning rates (and momentum for OneCycleLR). */
export type SchedulableOptimizer = Optimizer<BaseOptions>;

/**
 * The base of the epoch-driven schedulers, as PyTorch's `LRScheduler`: construction records each
 * group's initial lr and takes step 0; each `step()` then advances `lastEpoch` and sets new
 * learning rates from `computeLr()`.
 */
export abstract class LRScheduler {
  readonly optimizer: SchedulableOptimizer;
  readonly baseLrs: number[];
  lastEpoch: number;
  protected lastLrs: number[] = [];

  protected constructor(optimizer: SchedulableOptimizer, lastEpoch = -1) {
    if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) {
      throw new ValueError(`${new.target.name}: expected an optimizer`);
    }
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups as (BaseOptions & { initialLr?: number })[];
    for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Takes step 0 (call at the end of a subclass constructor, once its fields are set). */
  protected initialStep(): void {
    this.step();
  }

  /** The learning rates for `lastEpoch`, given the groups' current ones. */
  protected abstract computeLr(): number[];

  /** Advances one epoch (or step, for per-batch schedules) and updates the learning rates. */
  step(): void {
    this.lastEpoch += 1;
    const lrs = this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLrs = lrs;
  }

  /** The learning rates set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  protected get groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The scheduler's counters, to save and restore with `loadStateDict`. */
  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLrs: [...this.lastLrs] };
  }

  loadStateDict(sd: Record<string, unknown>): void {
    if (typeof sd?.lastEpoch !== 'number' || !Number.isInteger(sd.lastEpoch)) {
      throw new ValueError(
        `${this.constructor.name}.loadStateDict: expected { lastEpoch } as made by stateDict()`,
      );
    }
    this.lastEpoch = sd.lastEpoch;
    if (Array.isArray(sd.lastLrs)) this.lastLrs = [...(sd.lastLrs as number[])];
  }
}
