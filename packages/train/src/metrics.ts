import {
  arange,
  argmax,
  fmtShape,
  keep,
  ShapeError,
  type Tensor,
  tidy,
  ValueError,
  withGradMode,
} from '@nn/tensor';

/**
 * A streaming metric: `update` adds one batch's statistics on the device (no read), `compute`
 * reads them once, `reset` starts over. So a training epoch reads each metric once, at its end.
 * Predictions are the model's raw outputs (logits or regression values).
 */
export interface Metric {
  /** Name in the epoch logs (`accuracy`, and `valAccuracy` for the validation pass). */
  readonly name: string;
  /** 'max' when higher is better (accuracy), 'min' when lower is (errors). */
  readonly mode: 'min' | 'max';
  update(pred: Tensor, target: Tensor): void;
  compute(): Promise<number>;
  reset(): void;
}

/** Sums tensors across batches on the device, kept out of the step's tidy scope. */
class Accumulator {
  #sums: Tensor[] = [];

  add(values: Tensor[]): void {
    withGradMode(false, () => {
      if (this.#sums.length === 0) {
        this.#sums = tidy(() => values.map((v) => v.detach().clone())).map((t) => keep(t));
        return;
      }
      this.#sums = this.#sums.map((old, i) => {
        const next = keep(tidy(() => old.add(values[i])));
        old.dispose();
        return next;
      });
    });
  }

  async read(): Promise<number[][] | null> {
    if (this.#sums.length === 0) return null;
    return Promise.all(this.#sums.map(async (s) => Array.from(await s.data())));
  }

  reset(): void {
    for (const s of this.#sums) s.dispose();
    this.#sums = [];
  }
}

/** Predicted class per row: argmax over classes, or `logit > threshold` for one output column. */
export function predictedClasses(pred: Tensor, threshold = 0): Tensor {
  if (pred.ndim === 2 && pred.shape[1] > 1) return argmax(pred, { dim: 1 });
  if (pred.ndim === 1 || (pred.ndim === 2 && pred.shape[1] === 1))
    return pred.reshape(-1).gt(threshold).int();
  throw new ShapeError(`metrics: expected predictions [N, C], [N, 1] or [N], got ${fmtShape(pred.shape)}`);
}

function classTargets(op: string, pred: Tensor, target: Tensor): Tensor {
  const n = pred.shape[0];
  // One-hot or probability targets are reduced to class indices.
  const t = target.ndim === 2 && target.shape[1] > 1 ? argmax(target, { dim: 1 }) : target.reshape(-1);
  if (t.shape[0] !== n) {
    throw new ShapeError(
      `${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} differ in length`,
    );
  }
  return t.dtype === 'int32' ? t : t.round().int();
}

abstract class StreamingMetric implements Metric {
  abstract readonly name: string;
  abstract readonly mode: 'min' | 'max';
  protected readonly acc = new Accumulator();
  protected abstract stats(pred: Tensor, target: Tensor): Tensor[];
  /** The metric from the summed statistics, the number of rows and of output elements seen. */
  protected abstract finish(sums: number[][], rows: number, elements: number): number;
  #rows = 0;
  #elements = 0;

  update(pred: Tensor, target: Tensor): void {
    const s = tidy(() => withGradMode(false, () => this.stats(pred, target)));
    this.acc.add(s);
    for (const t of s) t.dispose();
    this.#rows += pred.shape[0] ?? 1;
    this.#elements += pred.size;
  }

  async compute(): Promise<number> {
    const sums = await this.acc.read();
    return sums ? this.finish(sums, this.#rows, this.#elements) : Number.NaN;
  }

  reset(): void {
    this.acc.reset();
    this.#rows = 0;
    this.#elements = 0;
  }
}

/** Fraction of rows whose predicted class is the target class. */
export class Accuracy extends StreamingMetric {
  readonly name: string;
  readonly mode = 'max' as const;
  readonly #threshold: number;
  constructor(options: { name?: string; threshold?: number } = {}) {
    super();
    this.name = options.name ?? 'accuracy';
    this.#threshold = options.threshold ?? 0;
  }
  protected stats(pred: Tensor, target: Tensor): Tensor[] {
    const t = classTargets('accuracy', pred, target);
    return [predictedClasses(pred, this.#threshold).eq(t).float().sum()];
  }
  protected finish([[hits]]: number[][], n: number): number {
    return hits / n;
  }
}

/** Fraction of rows whose target is among the k highest-scoring classes. */
export class TopKAccuracy extends StreamingMetric {
  readonly name: string;
  readonly mode = 'max' as const;
  readonly k: number;
  constructor(k = 5, options: { name?: string } = {}) {
    super();
    if (!Number.isInteger(k) || k < 1)
      throw new ValueError(`TopKAccuracy: k must be a positive integer, got ${k}`);
    this.k = k;
    this.name = options.name ?? `top${k}Accuracy`;
  }
  protected stats(pred: Tensor, target: Tensor): Tensor[] {
    if (pred.ndim !== 2)
      throw new ShapeError(`topKAccuracy: expected predictions [N, C], got ${fmtShape(pred.shape)}`);
    const t = classTargets('topKAccuracy', pred, target);
    // The target is in the top k when fewer than k classes score strictly higher than it.
    const own = pred.gather(1, t.unsqueeze(1));
    const higher = pred.gt(own).float().sum({ dim: 1 });
    return [higher.lt(this.k).float().sum()];
  }
  protected finish([[hits]]: number[][], n: number): number {
    return hits / n;
  }
}

/** Mean squared error. */
export class MeanSquaredError extends StreamingMetric {
  readonly name: string;
  readonly mode = 'min' as const;
  constructor(options: { name?: string } = {}) {
    super();
    this.name = options.name ?? 'mse';
  }
  protected stats(pred: Tensor, target: Tensor): Tensor[] {
    const d = pred.sub(target.reshape(pred.shape));
    return [d.square().sum()];
  }
  protected finish([[s]]: number[][], _rows: number, n: number): number {
    return s / n;
  }
}

/** Mean absolute error. */
export class MeanAbsoluteError extends StreamingMetric {
  readonly name: string;
  readonly mode = 'min' as const;
  constructor(options: { name?: string } = {}) {
    super();
    this.name = options.name ?? 'mae';
  }
  protected stats(pred: Tensor, target: Tensor): Tensor[] {
    const d = pred.sub(target.reshape(pred.shape));
    return [d.abs().sum()];
  }
  protected finish([[s]]: number[][], _rows: number, n: number): number {
    return s / n;
  }
}

/** Coefficient of determination, 1 − SS_res / SS_tot, over all outputs (uniform average of columns). */
export class R2Score extends StreamingMetric {
  readonly name: string;
  readonly mode = 'max' as const;
  constructor(options: { name?: string } = {}) {
    super();
    this.name = options.name ?? 'r2';
  }
  protected stats(pred: Tensor, target: Tensor): Tensor[] {
    const p = pred.ndim === 1 ? pred.unsqueeze(1) : pred;
    const y = target.reshape(p.shape).float();
    return [y.sum({ dim: 0 }), y.square().sum({ dim: 0 }), p.sub(y).square().sum({ dim: 0 })];
  }
  protected finish([sy, syy, sres]: number[][], n: number): number {
    let total = 0;
    for (let j = 0; j < sy.length; j++) {
      const ssTot = syy[j] - (sy[j] * sy[j]) / n;
      total += ssTot > 0 ? 1 - sres[j] / ssTot : sres[j] === 0 ? 1 : 0;
    }
    return total / sy.length;
  }
}

/** Counts per (true class, predicted class), accumulated on the device with one matmul per batch. */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly #threshold: number;
  readonly #acc = new Accumulator();
  constructor(numClasses: number, options: { threshold?: number } = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 2) {
      throw new ValueError(`ConfusionMatrix: numClasses must be an integer >= 2, got ${numClasses}`);
    }
    this.numClasses = numClasses;
    this.#threshold = options.threshold ?? 0;
  }
  update(pred: Tensor, target: Tensor): void {
    const m = tidy(() =>
      withGradMode(false, () => {
        const t = classTargets('confusionMatrix', pred, target);
        const p = predictedClasses(pred, this.#threshold);
        const classes = arange(0, this.numClasses, 1, { backend: pred.backendName });
        const tHot = t.unsqueeze(1).eq(classes).float();
        const pHot = p.unsqueeze(1).eq(classes).float();
        return tHot.t().matmul(pHot);
      }),
    );
    this.#acc.add([m]);
    m.dispose();
  }
  /** Rows are true classes, columns predicted ones. */
  async compute(): Promise<number[][]> {
    const c = this.numClasses;
    const sums = await this.#acc.read();
    const flat = sums ? sums[0] : new Array<number>(c * c).fill(0);
    return Array.from({ length: c }, (_, i) => flat.slice(i * c, (i + 1) * c).map(Math.round));
  }
  reset(): void {
    this.#acc.reset();
  }
}

/**
 * What `classificationReport` returns: precision, recall, F1 and support per class, and their macro averages.
 */
export interface ClassReport {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: { precision: number; recall: number; f1: number };
  accuracy: number;
}

/** Per-class and macro-averaged precision, recall and F1 from a confusion matrix (0 where undefined). */
export function classificationReport(matrix: readonly (readonly number[])[]): ClassReport {
  const c = matrix.length;
  if (c === 0 || matrix.some((r) => r.length !== c))
    throw new ShapeError('classificationReport: expected a square confusion matrix');
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  let correct = 0;
  let total = 0;
  for (let k = 0; k < c; k++) {
    const tp = matrix[k][k];
    const predicted = matrix.reduce((s, r) => s + r[k], 0);
    const actual = matrix[k].reduce((s, v) => s + v, 0);
    const p = predicted > 0 ? tp / predicted : 0;
    const r = actual > 0 ? tp / actual : 0;
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
    support.push(actual);
    correct += tp;
    total += actual;
  }
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / c;
  return {
    precision,
    recall,
    f1,
    support,
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    accuracy: total ? correct / total : 0,
  };
}

/** Macro-averaged precision, recall or F1 as a streaming metric (for callbacks and logs). */
export class MacroScore implements Metric {
  readonly name: string;
  readonly mode = 'max' as const;
  readonly #cm: ConfusionMatrix;
  readonly #which: 'precision' | 'recall' | 'f1';
  constructor(
    which: 'precision' | 'recall' | 'f1',
    numClasses: number,
    options: { name?: string; threshold?: number } = {},
  ) {
    this.#which = which;
    this.#cm = new ConfusionMatrix(numClasses, options);
    this.name = options.name ?? which;
  }
  update(pred: Tensor, target: Tensor): void {
    this.#cm.update(pred, target);
  }
  async compute(): Promise<number> {
    return classificationReport(await this.#cm.compute()).macro[this.#which];
  }
  reset(): void {
    this.#cm.reset();
  }
}

/** Names accepted in `fit({ metrics })` for the common metrics. */
export type MetricName = 'accuracy' | 'topKAccuracy' | 'mse' | 'mae' | 'r2';

/**
 * A fresh metric object from a name (`'accuracy'`, `'mse'`, ...) or a copy-free pass-through of a metric object.
 */
export function makeMetric(m: Metric | MetricName): Metric {
  if (typeof m !== 'string') {
    if (!m || typeof m.update !== 'function' || typeof m.compute !== 'function')
      throw new ValueError('metrics: expected a Metric or a metric name');
    return m;
  }
  switch (m) {
    case 'accuracy':
      return new Accuracy();
    case 'topKAccuracy':
      return new TopKAccuracy(5);
    case 'mse':
      return new MeanSquaredError();
    case 'mae':
      return new MeanAbsoluteError();
    case 'r2':
      return new R2Score();
    default:
      throw new ValueError(
        `metrics: unknown metric '${String(m)}' (expected accuracy, topKAccuracy, mse, mae or r2, or a Metric)`,
      );
  }
}

/** One metric over whole tensors at once: `await score(new Accuracy(), logits, labels)`. */
export async function score(metric: Metric, pred: Tensor, target: Tensor): Promise<number> {
  metric.reset();
  metric.update(pred, target);
  const v = await metric.compute();
  metric.reset();
  return v;
}
