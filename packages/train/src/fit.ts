import { installAutograd } from '@nn/autograd';
import { DataLoader, TensorDataset } from '@nn/data';
import { cat, dispose, isTensor, keep, type Tensor, tidy, ValueError, withGradMode } from '@nn/tensor';
import {
  type Callback,
  type EpochLogs,
  SchedulerCallback,
  type SchedulerCallbackOptions,
  type TrainContext,
} from './callbacks.js';
import { type Metric, type MetricName, makeMetric } from './metrics.js';
import { checkModel, forward, setTraining, type TrainableModel } from './model.js';
import { ProgressBar, type ProgressOptions } from './progress.js';

/** A loss: a function `(pred, target) => scalar` or a loss object with `call`/`forward` (`new CrossEntropyLoss()`). */
export type LossLike =
  | ((pred: Tensor, target: Tensor) => Tensor)
  | { call(pred: Tensor, target: Tensor): Tensor }
  | { forward(pred: Tensor, target: Tensor): Tensor };

/** What `fit` needs of an optimizer (every `@nn/optim` optimizer). */
export interface OptimizerLike {
  zeroGrad(): void;
  step(): void;
  paramGroups?: readonly { lr: number }[];
}

/** Batches of `[input, target]`: a DataLoader, any (async) iterable of them, or a pair of tensors. */
export type BatchSource = DataLoader | Iterable<Tensor[]> | AsyncIterable<Tensor[]>;

/**
 * What `fit` trains with: loss, optimizer, training batches, and optionally validation data, epochs, metrics, a scheduler, callbacks, progress and a regularizer.
 */
export interface FitOptions {
  loss: LossLike;
  optimizer: OptimizerLike;
  /** Training batches; a DataLoader with `shuffle: true` draws a new order each epoch. */
  train: BatchSource;
  /** Held-out data evaluated after each epoch: logs get `valLoss` and `val<Metric>`. */
  validation?: BatchSource | readonly [Tensor, Tensor];
  /** Passes over `train` (default 1). */
  epochs?: number;
  /** A learning-rate scheduler stepped after each epoch; ReduceLROnPlateau gets `schedulerOptions.monitor`. */
  scheduler?: { step(metric?: number): void } | { step(): void };
  schedulerOptions?: SchedulerCallbackOptions;
  callbacks?: readonly Callback[];
  /** Metrics computed on the training batches and on `validation`. */
  metrics?: readonly (Metric | MetricName)[];
  /** Terminal progress: `false` for none, `true`/options for the bar (default: on). */
  progress?: boolean | ProgressOptions;
  /** Extra term added to the training loss, e.g. `(m) => l2Penalty(m.parameters(), 1e-4)`; not included in the logged loss. */
  regularizer?: (model: TrainableModel) => Tensor;
  /**
   * Read the running loss from the device every this many batches, for the progress bar and
   * `onBatchEnd` (default 10; 0 reads once per epoch). Fewer reads stall an asynchronous
   * backend (WebGPU) less.
   */
  logEvery?: number;
}

/** The logs of every epoch `fit` ran. */
export class History {
  readonly epochs: EpochLogs[] = [];
  /** The values of one log key, one per epoch. */
  get(key: string): number[] {
    return this.epochs.map((e) => e[key]);
  }
  get last(): EpochLogs | undefined {
    return this.epochs[this.epochs.length - 1];
  }
}

function lossFunction(loss: LossLike): (pred: Tensor, target: Tensor) => Tensor {
  if (typeof loss === 'function') return loss;
  if (loss && typeof (loss as { call?: unknown }).call === 'function') {
    const l = loss as { call(p: Tensor, t: Tensor): Tensor };
    return (p, t) => l.call(p, t);
  }
  if (loss && typeof (loss as { forward?: unknown }).forward === 'function') {
    const l = loss as { forward(p: Tensor, t: Tensor): Tensor };
    return (p, t) => l.forward(p, t);
  }
  throw new ValueError(
    'fit: loss must be a function (pred, target) => Tensor or a loss object such as new CrossEntropyLoss()',
  );
}

function toSource(data: BatchSource | readonly [Tensor, Tensor], batchSize = 256): BatchSource {
  if (Array.isArray(data) && data.length === 2 && isTensor(data[0]) && isTensor(data[1])) {
    return new DataLoader(new TensorDataset(data[0] as Tensor, data[1] as Tensor), { batchSize });
  }
  const d = data as BatchSource;
  if (
    !d ||
    (typeof (d as Iterable<Tensor[]>)[Symbol.iterator] !== 'function' &&
      typeof (d as AsyncIterable<Tensor[]>)[Symbol.asyncIterator] !== 'function')
  ) {
    throw new ValueError(
      'fit: data must be a DataLoader, an iterable of [input, target] batches, or [x, y] tensors',
    );
  }
  return d;
}

function stepsOf(source: BatchSource): number | undefined {
  const n = (source as { length?: unknown }).length;
  return typeof n === 'number' ? n : undefined;
}

async function* batchesOf(source: BatchSource): AsyncGenerator<Tensor[]> {
  if (typeof (source as AsyncIterable<Tensor[]>)[Symbol.asyncIterator] === 'function')
    yield* source as AsyncIterable<Tensor[]>;
  else yield* source as Iterable<Tensor[]>;
}

function checkBatch(op: string, batch: Tensor[]): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length < 2 || !isTensor(batch[0]) || !isTensor(batch[1])) {
    throw new ValueError(`${op}: each batch must be [input, target] tensors`);
  }
  return [batch[0], batch[1]];
}

/** A device scalar that sums values across batches without reading them. */
class DeviceSum {
  #sum: Tensor | null = null;
  add(v: Tensor): void {
    const next = keep(
      withGradMode(false, () => tidy(() => (this.#sum ? this.#sum.add(v) : v.detach().clone()))),
    );
    this.#sum?.dispose();
    this.#sum = next;
  }
  async read(): Promise<number> {
    return this.#sum ? (await this.#sum.data())[0] : Number.NaN;
  }
  dispose(): void {
    this.#sum?.dispose();
    this.#sum = null;
  }
}

/**
 * Trains `model` for `epochs` passes over `train`, PyTorch-loop style: per batch, zero the
 * gradients, forward, loss, backward, optimizer step, all inside one `tidy`, so memory stays
 * flat. The loss and metrics are summed on the device and read once per epoch (plus every
 * `logEvery` batches for the progress bar). Returns the per-epoch history.
 *
 * @example
 * ```ts
 * const history = await fit(model, {
 *   loss: new CrossEntropyLoss(),
 *   optimizer: new Adam(model.parameters(), { lr: 2e-3 }),
 *   train: new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true }),
 *   validation: [xTest, yTest],
 *   epochs: 5,
 *   metrics: ['accuracy'],
 * });
 * console.log(history.get('valAccuracy'));
 * ```
 */
export async function fit(model: TrainableModel, options: FitOptions): Promise<History> {
  checkModel('fit', model);
  if (!options || typeof options !== 'object')
    throw new ValueError('fit: expected options { loss, optimizer, train, ... }');
  const lossFn = lossFunction(options.loss);
  const optimizer = options.optimizer;
  if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new ValueError('fit: optimizer must have zeroGrad() and step() (an @nn/optim optimizer)');
  }
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new ValueError(`fit: epochs must be a positive integer, got ${epochs}`);
  const logEvery = options.logEvery ?? 10;
  if (!Number.isInteger(logEvery) || logEvery < 0)
    throw new ValueError(`fit: logEvery must be an integer >= 0, got ${logEvery}`);
  const train = toSource(options.train);
  const validation = options.validation ? toSource(options.validation) : undefined;
  const metricSpecs = options.metrics ?? [];
  const metrics = metricSpecs.map(makeMetric);
  // A Metric object serves both passes: training values are read before validation resets it.
  const valMetrics = metricSpecs.map(makeMetric);
  const callbacks: Callback[] = [...(options.callbacks ?? [])];
  if (options.scheduler) callbacks.push(new SchedulerCallback(options.scheduler, options.schedulerOptions));
  // Progress reports last so it prints values other callbacks (schedulers) have just set.
  if (options.progress !== false)
    callbacks.push(new ProgressBar(options.progress === true ? {} : (options.progress ?? {})));
  installAutograd();

  const history = new History();
  const ctx: TrainContext = {
    model,
    epochs,
    stepsPerEpoch: stepsOf(train),
    history: history.epochs,
    stopTraining: false,
  };
  const emit = async <K extends keyof Callback>(hook: K, ...args: unknown[]): Promise<void> => {
    for (const cb of callbacks) {
      const f = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (f) await f.apply(cb, args);
    }
  };

  await emit('onTrainBegin', ctx);
  try {
    for (let epoch = 0; epoch < epochs && !ctx.stopTraining; epoch++) {
      await emit('onEpochBegin', epoch, ctx);
      const start = performance.now();
      setTraining(model, true);
      for (const m of metrics) m.reset();
      const lossSum = new DeviceSum();
      let seen = 0;
      let batch = 0;
      try {
        for await (const raw of batchesOf(train)) {
          const [x, y] = checkBatch('fit', raw);
          await emit('onBatchBegin', batch, ctx);
          tidy(() => {
            optimizer.zeroGrad();
            const out = forward(model, x);
            const loss = lossFn(out, y);
            if (loss.size !== 1)
              throw new ValueError(`fit: the loss must be a scalar, got shape [${loss.shape.join(',')}]`);
            const total = options.regularizer ? loss.add(options.regularizer(model)) : loss;
            total.backward();
            optimizer.step();
            const n = x.shape[0];
            lossSum.add(withGradMode(false, () => loss.detach().reshape([]).mul(n)));
            const detached = out.detach();
            for (const m of metrics) m.update(detached, y);
            return null;
          });
          seen += x.shape[0];
          const read = logEvery > 0 && (batch + 1) % logEvery === 0;
          await emit(
            'onBatchEnd',
            batch,
            { batch, size: x.shape[0], loss: read ? (await lossSum.read()) / seen : undefined },
            ctx,
          );
          batch++;
        }
        const logs: EpochLogs = { loss: (await lossSum.read()) / seen };
        for (const m of metrics) logs[m.name] = await m.compute();
        if (validation) {
          const v = await runEvaluation(model, validation, lossFn, valMetrics);
          logs.valLoss = v.loss;
          for (const m of valMetrics) logs[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = v[m.name];
        }
        const lr = optimizer.paramGroups?.[0]?.lr;
        if (lr !== undefined) logs.lr = lr;
        logs.seconds = (performance.now() - start) / 1000;
        history.epochs.push(logs);
        await emit('onEpochEnd', epoch, logs, ctx);
      } finally {
        lossSum.dispose();
      }
    }
  } finally {
    for (const m of [...metrics, ...valMetrics]) m.reset();
    optimizer.zeroGrad();
    setTraining(model, true);
  }
  await emit('onTrainEnd', ctx);
  return history;
}

async function runEvaluation(
  model: TrainableModel,
  data: BatchSource,
  lossFn: ((pred: Tensor, target: Tensor) => Tensor) | undefined,
  metrics: Metric[],
): Promise<EpochLogs> {
  const wasTraining = (model as { training?: unknown }).training;
  setTraining(model, false);
  for (const m of metrics) m.reset();
  const lossSum = new DeviceSum();
  let seen = 0;
  try {
    for await (const raw of batchesOf(data)) {
      const [x, y] = checkBatch('evaluate', raw);
      withGradMode(false, () =>
        tidy(() => {
          const out = forward(model, x);
          if (lossFn) lossSum.add(lossFn(out, y).reshape([]).mul(x.shape[0]));
          for (const m of metrics) m.update(out, y);
          return null;
        }),
      );
      seen += x.shape[0];
    }
    if (seen === 0) throw new ValueError('evaluate: the data has no batches');
    const logs: EpochLogs = {};
    if (lossFn) logs.loss = (await lossSum.read()) / seen;
    for (const m of metrics) logs[m.name] = await m.compute();
    return logs;
  } finally {
    lossSum.dispose();
    for (const m of metrics) m.reset();
    if (wasTraining !== false) setTraining(model, true);
  }
}

/** Options of `evaluate`: the loss to report, the metrics, and the batch size for `[x, y]` tensors. */
export interface EvaluateOptions {
  loss?: LossLike;
  metrics?: readonly (Metric | MetricName)[];
  /** Batch size when `data` is a pair of tensors (default 256). */
  batchSize?: number;
}

/** The mean loss and metrics of `model` on `data`, in inference mode without gradients. */
export async function evaluate(
  model: TrainableModel,
  data: BatchSource | readonly [Tensor, Tensor],
  options: EvaluateOptions = {},
): Promise<EpochLogs> {
  checkModel('evaluate', model);
  const metrics = (options.metrics ?? []).map(makeMetric);
  return runEvaluation(
    model,
    toSource(data, options.batchSize),
    options.loss ? lossFunction(options.loss) : undefined,
    metrics,
  );
}

/** The model's outputs for `x` (a tensor, cut into batches, or batches whose first tensor is the input), as one tensor. */
export function predict(
  model: TrainableModel,
  x: Tensor | Iterable<Tensor[]>,
  options: { batchSize?: number } = {},
): Tensor {
  checkModel('predict', model);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValueError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  const wasTraining = (model as { training?: unknown }).training;
  setTraining(model, false);
  try {
    return withGradMode(false, () => {
      const parts: Tensor[] = [];
      try {
        if (isTensor(x)) {
          if (x.ndim === 0) throw new ValueError('predict: expected a batch of inputs, got a scalar');
          const n = x.shape[0];
          for (let from = 0; from < n; from += batchSize) {
            parts.push(tidy(() => forward(model, x.narrow(0, from, Math.min(batchSize, n - from)))));
          }
        } else {
          for (const b of x) parts.push(tidy(() => forward(model, b[0])));
        }
        if (parts.length === 0) throw new ValueError('predict: no inputs');
        return parts.length === 1 ? parts[0] : tidy(() => cat(parts, 0));
      } finally {
        if (parts.length > 1) dispose(parts);
      }
    });
  } finally {
    if (wasTraining !== false) setTraining(model, true);
  }
}
