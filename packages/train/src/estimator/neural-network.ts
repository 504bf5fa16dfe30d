import { installAutograd } from '@nn/autograd';
import { DataLoader, type ScalerState, StandardScaler, TensorDataset, trainTestSplit } from '@nn/data';
import type { Module } from '@nn/layers';
import { bceWithLogitsLoss, crossEntropy, l1Penalty, l2Penalty, mseLoss } from '@nn/losses';
import { manualSeed, ShapeError, type Tensor, tensor, tidy, ValueError, withGradMode } from '@nn/tensor';
import type { Callback } from '../callbacks.js';
import { evaluate as evaluateModel, fit, type History, predict as predictModel } from '../fit.js';
import { Accuracy, MeanAbsoluteError, MeanSquaredError, R2Score, score } from '../metrics.js';
import type { ProgressOptions } from '../progress.js';
import {
  deserializeStateDict,
  ModelFileError,
  parseJson,
  readText,
  serializeStateDict,
  writeText,
} from '../serialize.js';
import { buildNetwork, buildOptimizer, buildScheduler } from './build.js';
import { type NeuralNetworkConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { type ArrayInput, type HostMatrix, matrixTensor, readLabels, readMatrix, rowsOf } from './inputs.js';

/**
 * Options of `NeuralNetwork.train`: epochs, batch size, validation split, shuffling, callbacks, verbosity.
 */
export interface TrainOptions {
  /** Passes over the data (default 10). */
  epochs?: number;
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Fraction of the samples held out (at random, seeded) for `valLoss`/`val*` logs (default 0). */
  validationSplit?: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  callbacks?: readonly Callback[];
  /** Progress bar and per-epoch lines (default true); or progress options. */
  verbose?: boolean | ProgressOptions;
}

const FORMAT = 'nn-neural-network';

/**
 * A scikit-learn-style feed-forward network: give it layer sizes, `train(X, y)`, `predict(X)`.
 * Classification (softmax + cross-entropy, or one sigmoid output + BCE for two classes) or
 * regression (linear output + MSE, targets standardised by default). Inputs are nested arrays,
 * typed arrays or tensors; bad inputs throw ShapeError / ValueError before anything trains.
 *
 * @example
 * ```ts
 * const net = new NeuralNetwork({ layers: [2, 16, 2], lr: 0.05, seed: 0 });
 * await net.train([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], { epochs: 200, batchSize: 4, verbose: false });
 * console.log(await net.predict([[0, 1]])); // [1]
 * ```
 */
export class NeuralNetwork {
  readonly config: ResolvedConfig;
  /** The underlying `@nn/layers` Sequential (logits out). */
  readonly network: Module;
  readonly #model: Module;
  #scaler: StandardScaler | null = null;
  #trained = false;

  constructor(config: NeuralNetworkConfig) {
    this.config = resolveConfig(config);
    installAutograd();
    if (this.config.seed !== undefined) manualSeed(this.config.seed);
    const { net, model } = buildNetwork(this.config);
    this.network = net;
    this.#model = model;
  }

  get inputSize(): number {
    return this.config.layers[0];
  }
  get outputSize(): number {
    return this.config.layers[this.config.layers.length - 1];
  }
  /** Classes the classifier tells apart (2 for a single sigmoid output); 0 for regression. */
  get numClasses(): number {
    if (this.config.regression) return 0;
    return this.config.outputActivation === 'sigmoid' ? 2 : this.outputSize;
  }

  #loss(pred: Tensor, target: Tensor): Tensor {
    if (this.config.regression) return mseLoss(pred, target);
    if (this.config.outputActivation === 'sigmoid') return bceWithLogitsLoss(pred, target);
    return crossEntropy(pred, target);
  }

  #regularizer(): ((m: unknown) => Tensor) | undefined {
    const { regLambda, l1Lambda } = this.config;
    if (regLambda === 0 && l1Lambda === 0) return undefined;
    const weights = this.network.parameters().filter((p) => p.ndim >= 2);
    return () =>
      tidy(() => {
        const terms: Tensor[] = [];
        if (regLambda > 0) terms.push(l2Penalty(weights, regLambda));
        if (l1Lambda > 0) terms.push(l1Penalty(weights, l1Lambda));
        return terms.length === 1 ? terms[0] : terms[0].add(terms[1]);
      });
  }

  /** X and y as training tensors: float inputs; int32 labels, float 0/1 column, or (scaled) float targets. */
  async #tensors(
    op: string,
    X: ArrayInput,
    y: ArrayInput,
    fitScaler: boolean,
  ): Promise<[Tensor, Tensor, HostMatrix]> {
    const x = await readMatrix(op, 'X', X, this.inputSize);
    const backend = this.config.backend;
    if (!this.config.regression) {
      const labels = await readLabels(op, y, this.numClasses, x.rows);
      const target =
        this.config.outputActivation === 'sigmoid'
          ? tensor(Float32Array.from(labels), { shape: [labels.length, 1], backend })
          : tensor(labels, { backend });
      return [matrixTensor(x, backend), target, x];
    }
    const t = await readMatrix(op, 'y', y, this.outputSize);
    if (t.rows !== x.rows) throw new ShapeError(`${op}: X has ${x.rows} samples but y has ${t.rows}`);
    const raw = matrixTensor(t, backend);
    if (!this.config.scaleTargets) return [matrixTensor(x, backend), raw, x];
    if (fitScaler) {
      this.#scaler?.dispose();
      this.#scaler = new StandardScaler().fit(raw);
    }
    const scaled = this.#scaler ? this.#scaler.transform(raw) : raw;
    if (scaled !== raw) raw.dispose();
    return [matrixTensor(x, backend), scaled, x];
  }

  /** Trains on X (samples × features) and y (class labels or regression targets); returns the history. */
  async train(X: ArrayInput, y: ArrayInput, options: TrainOptions = {}): Promise<History> {
    const epochs = options.epochs ?? 10;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValueError(`train: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new ValueError(`train: epochs must be a positive integer, got ${epochs}`);
    const split = options.validationSplit ?? 0;
    if (typeof split !== 'number' || !(split >= 0 && split < 1))
      throw new ValueError(`train: validationSplit must be in [0, 1), got ${split}`);
    const [x, t] = await this.#tensors('train', X, y, true);
    const owned: Tensor[] = [x, t];
    try {
      if (this.config.seed !== undefined) manualSeed(this.config.seed + 1);
      let trainX = x;
      let trainY = t;
      let validation: [Tensor, Tensor] | undefined;
      if (split > 0) {
        const nVal = Math.round(split * x.shape[0]);
        if (nVal < 1 || nVal >= x.shape[0])
          throw new ValueError(
            `train: validationSplit ${split} leaves no training or no validation samples out of ${x.shape[0]}`,
          );
        const [xTr, xVal, yTr, yVal] = trainTestSplit([x, t], { testSize: nVal, seed: this.config.seed });
        owned.push(xTr, xVal, yTr, yVal);
        trainX = xTr;
        trainY = yTr;
        validation = [xVal, yVal];
      }
      const optimizer = buildOptimizer(this.config, this.#model.parameters());
      const scheduler = buildScheduler(this.config, optimizer, validation !== undefined);
      const metrics = this.config.regression ? [] : [new Accuracy()];
      const history = await fit(this.#model, {
        loss: (p, target) => this.#loss(p, target),
        optimizer,
        train: new DataLoader(new TensorDataset(trainX, trainY), {
          batchSize,
          shuffle: options.shuffle ?? true,
        }),
        validation,
        epochs,
        metrics,
        callbacks: [...(options.callbacks ?? []), ...(scheduler ? [scheduler] : [])],
        regularizer: this.#regularizer(),
        progress: options.verbose === undefined ? true : options.verbose,
      });
      optimizer.dispose();
      this.#trained = true;
      return history;
    } finally {
      for (const o of owned) o.dispose();
    }
  }

  /** Raw network outputs (logits, or scaled regression values) for X, as a tensor you own. */
  async forward(X: ArrayInput): Promise<Tensor> {
    const x = await readMatrix('predict', 'X', X, this.inputSize);
    const xt = matrixTensor(x, this.config.backend);
    try {
      return predictModel(this.#model, xt);
    } finally {
      xt.dispose();
    }
  }

  /** Class probabilities per sample (`[n][classes]`; two columns for a sigmoid classifier). */
  async predictProba(X: ArrayInput): Promise<number[][]> {
    if (this.config.regression)
      throw new ValueError('predictProba: a regression network has no class probabilities; use predict');
    const out = await this.forward(X);
    const probs = withGradMode(false, () =>
      tidy(() => (this.config.outputActivation === 'sigmoid' ? out.sigmoid().reshape([-1]) : out.softmax(1))),
    );
    out.dispose();
    const values = await probs.data();
    probs.dispose();
    if (this.config.outputActivation === 'sigmoid') return Array.from(values, (p) => [1 - p, p]);
    return rowsOf(values, this.outputSize);
  }

  /** Class labels (classification), or predicted values (regression: one number per sample, or rows for several outputs). */
  async predict(X: ArrayInput): Promise<number[] | number[][]> {
    if (!this.config.regression) {
      return (await this.predictProba(X)).map((row) => row.indexOf(Math.max(...row)));
    }
    const values = await this.#regressionOutputs(X);
    const data = await values.data();
    values.dispose();
    return this.outputSize === 1 ? Array.from(data) : rowsOf(data, this.outputSize);
  }

  async #regressionOutputs(X: ArrayInput): Promise<Tensor> {
    const out = await this.forward(X);
    if (!this.#scaler) return out;
    const back = this.#scaler.inverseTransform(out);
    out.dispose();
    return back;
  }

  /** Loss and metrics on labelled data: `{ loss, accuracy }`, or `{ loss, mse, mae, r2 }` in target units. */
  async evaluate(X: ArrayInput, y: ArrayInput): Promise<Record<string, number>> {
    const [x, t] = await this.#tensors('evaluate', X, y, false);
    try {
      const logs = await evaluateModel(this.#model, [x, t], {
        loss: (p, target) => this.#loss(p, target),
        metrics: this.config.regression ? [] : [new Accuracy()],
      });
      if (!this.config.regression) return logs;
      const pred = predictModel(this.#model, x);
      const [p, target] = this.#scaler
        ? [this.#scaler.inverseTransform(pred), this.#scaler.inverseTransform(t)]
        : [pred, t];
      try {
        return {
          loss: logs.loss,
          mse: await score(new MeanSquaredError(), p, target),
          mae: await score(new MeanAbsoluteError(), p, target),
          r2: await score(new R2Score(), p, target),
        };
      } finally {
        for (const z of new Set([pred, p, target])) if (z !== t) z.dispose();
      }
    } finally {
      x.dispose();
      t.dispose();
    }
  }

  /** The model as JSON-ready data: config, weights and the target scaler. */
  async toJSON(): Promise<Record<string, unknown>> {
    const sd = this.network.stateDict();
    try {
      const { backend: _b, ...config } = this.config;
      return {
        format: FORMAT,
        version: 1,
        config,
        trained: this.#trained,
        targetScaler: this.#scaler ? await this.#scaler.state() : null,
        weights: await serializeStateDict(sd),
      };
    } finally {
      for (const t of Object.values(sd)) t.dispose();
    }
  }

  /** Rebuilds a network from `toJSON()` output; a damaged document throws ModelFileError. */
  static fromJSON(data: unknown, options: { backend?: string; where?: string } = {}): NeuralNetwork {
    const where = options.where ?? 'NeuralNetwork.fromJSON';
    const doc = data as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object' || doc.format !== FORMAT) {
      throw new ModelFileError(`${where}: not an nn NeuralNetwork model (format '${String(doc?.format)}')`);
    }
    if (doc.version !== 1) throw new ModelFileError(`${where}: unsupported version ${String(doc.version)}`);
    let nn: NeuralNetwork;
    try {
      const { seed: _s, ...config } = doc.config as NeuralNetworkConfig;
      nn = new NeuralNetwork({ ...config, backend: options.backend });
    } catch (e) {
      throw new ModelFileError(`${where}: bad config (${(e as Error).message})`);
    }
    const sd = deserializeStateDict(doc.weights, `${where}: weights`, options.backend);
    try {
      nn.network.loadStateDict(sd);
    } catch (e) {
      throw new ModelFileError(`${where}: weights do not fit the layers (${(e as Error).message})`);
    } finally {
      for (const t of Object.values(sd)) t.dispose();
    }
    if (doc.targetScaler) {
      try {
        nn.#scaler = new StandardScaler().loadState(doc.targetScaler as ScalerState, {
          backend: options.backend,
        });
      } catch (e) {
        throw new ModelFileError(`${where}: bad target scaler (${(e as Error).message})`);
      }
    }
    nn.#trained = doc.trained === true;
    return nn;
  }

  /** Writes the model to a JSON file (Node). */
  async save(path: string): Promise<void> {
    await writeText(path, JSON.stringify(await this.toJSON()));
  }

  /** Reads a model written by `save`; a corrupted or foreign file throws ModelFileError. */
  static async load(path: string, options: { backend?: string } = {}): Promise<NeuralNetwork> {
    return NeuralNetwork.fromJSON(parseJson(await readText(path), path), { ...options, where: path });
  }

  /** Frees the weights and scaler. */
  dispose(): void {
    for (const p of this.network.parameters()) p.dispose();
    for (const b of this.network.buffers()) b.dispose();
    this.#scaler?.dispose();
  }
}
