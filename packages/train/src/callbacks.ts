import { checkOptions, optionKeys, ValueError } from '@nn/tensor';
import { type TrainableModel, WeightSnapshot } from './model.js';

/** Numbers of one epoch: `loss`, each metric, `valLoss` and `val<Metric>` with validation, `lr`, `seconds`. */
export type EpochLogs = Record<string, number>;

/** Per batch: its index in the epoch, its size, and the running mean loss when it was read. */
export interface BatchLogs {
  batch: number;
  size: number;
  /** Mean loss over the epoch so far; read from the device every `logEvery` batches only. */
  loss?: number;
}

/** What callbacks see and may change while `fit` runs. */
export interface TrainContext {
  readonly model: TrainableModel;
  readonly epochs: number;
  /** Batches per epoch (undefined for loaders of unknown length). */
  readonly stepsPerEpoch: number | undefined;
  /** Logs of the finished epochs. */
  readonly history: EpochLogs[];
  /** Set to true to end training after the current epoch. */
  stopTraining: boolean;
}

/** Hooks called by `fit`; every one is optional and may be async. Epochs count from 0. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  onBatchBegin?(batch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs, ctx: TrainContext): void | Promise<void>;
}

/** 'min' for losses and errors, 'max' for scores (accuracy, r2, f1, precision, recall). */
export function inferMode(monitor: string): 'min' | 'max' {
  return /accuracy|r2|f1|precision|recall|auc/i.test(monitor) ? 'max' : 'min';
}

function read(op: string, logs: EpochLogs, monitor: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    throw new ValueError(
      `${op}: monitored value '${monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')})`,
    );
  }
  return Number.isNaN(v) ? undefined : v;
}

export interface EarlyStoppingOptions {
  /** Log key to watch (default 'valLoss'). */
  monitor?: string;
  /** 'auto' infers from the name (default). */
  mode?: 'min' | 'max' | 'auto';
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends (default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when a monitored value stops improving, optionally restoring the best weights. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  best = Number.NaN;
  bestEpoch = -1;
  /** The epoch after which training stopped, or -1. */
  stoppedEpoch = -1;
  #wait = 0;
  #snapshot: WeightSnapshot | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions(
      'EarlyStopping',
      options,
      optionKeys<EarlyStoppingOptions>({
        monitor: 1,
        mode: 1,
        patience: 1,
        minDelta: 1,
        restoreBestWeights: 1,
      }),
    );
    this.monitor = options.monitor ?? 'valLoss';
    const mode = options.mode ?? 'auto';
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto')
      throw new ValueError(`EarlyStopping: mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
    this.mode = mode === 'auto' ? inferMode(this.monitor) : mode;
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new ValueError(`EarlyStopping: patience must be an integer >= 0, got ${this.patience}`);
    this.minDelta = Math.abs(options.minDelta ?? 0);
    if (!Number.isFinite(this.minDelta)) throw new ValueError('EarlyStopping: minDelta must be finite');
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = Number.NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.#wait = 0;
    this.#drop();
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): void {
    // A NaN value is no improvement: it counts towards `patience` like any worse epoch.
    const v = read('EarlyStopping', logs, this.monitor);
    const better =
      v !== undefined &&
      (Number.isNaN(this.best) ||
        (this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta));
    if (better) {
      this.best = v;
      this.bestEpoch = epoch;
      this.#wait = 0;
      if (this.restoreBestWeights) {
        this.#drop();
        this.#snapshot = new WeightSnapshot(ctx.model);
      }
      return;
    }
    this.#wait++;
    if (this.#wait >= this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    const last = ctx.history.length - 1;
    if (this.#snapshot && this.bestEpoch !== last) this.#snapshot.restore(ctx.model);
    this.#drop();
  }

  #drop(): void {
    this.#snapshot?.dispose();
    this.#snapshot = null;
  }
}

/** The two shapes of scheduler: epoch-driven (`step()`) and metric-driven (`step(metric)`). */
export interface EpochScheduler {
  step(): void;
}
export interface MetricScheduler {
  step(metric: number): void;
}

export interface SchedulerCallbackOptions {
  /** Log key passed to a metric-driven scheduler such as ReduceLROnPlateau (default 'valLoss', or 'loss' without validation). */
  monitor?: string;
  /** Step after every batch instead of every epoch (OneCycleLR, warm-ups). */
  perBatch?: boolean;
}

function isMetricScheduler(s: EpochScheduler | MetricScheduler): s is MetricScheduler {
  // ReduceLROnPlateau tracks the best metric; epoch schedulers take no argument.
  return (
    typeof (s as { numBadEpochs?: unknown }).numBadEpochs === 'number' ||
    typeof (s as { best?: unknown }).best === 'number'
  );
}

/** Steps a learning-rate scheduler at the end of each epoch (or batch), feeding ReduceLROnPlateau its metric. */
export class SchedulerCallback implements Callback {
  readonly scheduler: EpochScheduler | MetricScheduler;
  readonly monitor: string | undefined;
  readonly perBatch: boolean;

  constructor(scheduler: EpochScheduler | MetricScheduler, options: SchedulerCallbackOptions = {}) {
    if (!scheduler || typeof scheduler.step !== 'function')
      throw new ValueError('SchedulerCallback: expected a scheduler with step()');
    checkOptions(
      'SchedulerCallback',
      options,
      optionKeys<SchedulerCallbackOptions>({ monitor: 1, perBatch: 1 }),
    );
    this.scheduler = scheduler;
    this.monitor = options.monitor;
    this.perBatch = options.perBatch ?? false;
    if (this.perBatch && isMetricScheduler(scheduler))
      throw new ValueError('SchedulerCallback: a metric-driven scheduler steps per epoch');
  }

  onBatchEnd(): void {
    if (this.perBatch) (this.scheduler as EpochScheduler).step();
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    if (this.perBatch) return;
    if (isMetricScheduler(this.scheduler)) {
      const monitor = this.monitor ?? ('valLoss' in logs ? 'valLoss' : 'loss');
      const v = read('SchedulerCallback', logs, monitor);
      if (v !== undefined) this.scheduler.step(v);
    } else {
      (this.scheduler as EpochScheduler).step();
    }
  }
}

export interface ModelCheckpointOptions {
  /** Writes the model somewhere, e.g. `(model) => saveWeights(model, 'best.json')`. */
  save: (model: TrainableModel, epoch: number, logs: EpochLogs) => void | Promise<void>;
  /** Log key deciding what "best" means (default 'valLoss'). */
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  /** Save only when the monitored value improves (default true); otherwise after every epoch. */
  saveBestOnly?: boolean;
}

/** Saves the model after epochs that improve the monitored value (or after every epoch). */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBestOnly: boolean;
  best = Number.NaN;
  /** Epochs at which the model was saved. */
  readonly savedEpochs: number[] = [];
  readonly #save: ModelCheckpointOptions['save'];

  constructor(options: ModelCheckpointOptions) {
    if (!options || typeof options.save !== 'function')
      throw new ValueError('ModelCheckpoint: expected { save: (model, epoch, logs) => ... }');
    checkOptions(
      'ModelCheckpoint',
      options,
      optionKeys<ModelCheckpointOptions>({ save: 1, monitor: 1, mode: 1, saveBestOnly: 1 }),
    );
    this.#save = options.save;
    this.monitor = options.monitor ?? 'valLoss';
    const mode = options.mode ?? 'auto';
    this.mode = mode === 'auto' ? inferMode(this.monitor) : mode;
    this.saveBestOnly = options.saveBestOnly ?? true;
  }

  async onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): Promise<void> {
    if (this.saveBestOnly) {
      const v = read('ModelCheckpoint', logs, this.monitor);
      if (v === undefined) return;
      const better = Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best);
      if (!better) return;
      this.best = v;
    }
    await this.#save(ctx.model, epoch, logs);
    this.savedEpochs.push(epoch);
  }
}

/** A callback from plain functions: `new LambdaCallback({ onEpochEnd: (e, logs) => chart.push(logs) })`. */
export class LambdaCallback implements Callback {
  constructor(hooks: Callback) {
    // A misspelled hook (Keras's `on_epoch_end`) would never be called.
    checkOptions(
      'LambdaCallback',
      hooks,
      optionKeys<Callback>({
        onTrainBegin: 1,
        onTrainEnd: 1,
        onEpochBegin: 1,
        onEpochEnd: 1,
        onBatchBegin: 1,
        onBatchEnd: 1,
      }),
    );
    Object.assign(this, hooks);
  }
}
