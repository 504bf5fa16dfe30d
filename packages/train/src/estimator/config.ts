import type { ActivationName } from '@nn/layers';
import { ValueError } from '@nn/tensor';

/** The optimizers the estimator can build by name. */
export type OptimizerName = 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad';

/** A learning-rate schedule by name, stepped once per epoch. */
export type LrSchedulerConfig =
  | { type: 'step'; stepSize: number; gamma?: number }
  | { type: 'exponential'; gamma: number }
  | { type: 'cosine'; tMax: number; etaMin?: number }
  | { type: 'plateau'; patience?: number; factor?: number; monitor?: string; minLr?: number };

/**
 * The configuration of a `NeuralNetwork`: layer sizes, activations, regularisation, optimizer, learning rate and schedule, backend and seed.
 */
export interface NeuralNetworkConfig {
  /** Layer sizes from input to output: `[features, hidden..., outputs]`. */
  layers: number[];
  /** Hidden-layer activation (default 'relu'). */
  activation?: ActivationName;
  /**
   * 'auto' (default): linear for regression, softmax for several classes, sigmoid for one output.
   * The model returns logits; the activation is applied in `predictProba` and folded into the loss.
   */
  outputActivation?: 'auto' | 'softmax' | 'sigmoid' | 'linear';
  /** Dropout after each hidden layer while training (default 0). */
  dropoutRate?: number;
  /** L2 penalty coefficient on the weights (not biases): loss + regLambda · Σw² (default 0). */
  regLambda?: number;
  /** L1 penalty coefficient on the weights: loss + l1Lambda · Σ|w| (default 0). */
  l1Lambda?: number;
  /** Std of Gaussian noise added to the weights on each training forward pass (default 0). */
  weightNoiseStd?: number;
  /** Regression: linear outputs and MSE loss (default false: classification). */
  regression?: boolean;
  /** Standardise regression targets for training and undo it on predict (default true). */
  scaleTargets?: boolean;
  optimizer?: OptimizerName;
  /** Learning rate (default 1e-3; 1e-2 for sgd). */
  lr?: number;
  lrScheduler?: LrSchedulerConfig;
  /** Backend of the weights and data (default: the current backend). */
  backend?: string;
  /** Seeds the process-wide generator (`manualSeed`) before initialising and before each `train`. */
  seed?: number;
}

/** The config with defaults filled in, after validation. */
export type ResolvedConfig = Required<Omit<NeuralNetworkConfig, 'lrScheduler' | 'backend' | 'seed'>> &
  Pick<NeuralNetworkConfig, 'lrScheduler' | 'backend' | 'seed'> & {
    outputActivation: 'softmax' | 'sigmoid' | 'linear';
  };

const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'];

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ValueError(`NeuralNetwork: ${name} must be a finite number >= 0, got ${String(v)}`);
  return v;
}

export function resolveConfig(c: NeuralNetworkConfig): ResolvedConfig {
  if (!c || typeof c !== 'object')
    throw new ValueError('NeuralNetwork: expected a config object { layers: [...] }');
  const { layers } = c;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ValueError(
      `NeuralNetwork: layers must list at least two positive integer sizes [inputs, ..., outputs], got ${JSON.stringify(layers)}`,
    );
  }
  const regression = c.regression ?? false;
  const out = layers[layers.length - 1];
  const requested = c.outputActivation ?? 'auto';
  if (!['auto', 'softmax', 'sigmoid', 'linear'].includes(requested)) {
    throw new ValueError(
      `NeuralNetwork: outputActivation must be 'auto', 'softmax', 'sigmoid' or 'linear', got '${String(requested)}'`,
    );
  }
  const outputActivation =
    requested !== 'auto' ? requested : regression ? 'linear' : out === 1 ? 'sigmoid' : 'softmax';
  if (regression && outputActivation !== 'linear')
    throw new ValueError(`NeuralNetwork: regression needs a linear output, got '${outputActivation}'`);
  if (!regression && outputActivation === 'linear')
    throw new ValueError(
      "NeuralNetwork: classification needs a 'softmax' or 'sigmoid' output; set regression: true for a linear one",
    );
  if (!regression && outputActivation === 'softmax' && out < 2)
    throw new ValueError(
      'NeuralNetwork: softmax classification needs at least 2 outputs (use 1 output with sigmoid for two classes)',
    );
  if (!regression && outputActivation === 'sigmoid' && out !== 1)
    throw new ValueError(`NeuralNetwork: sigmoid classification takes one output unit, got ${out}`);
  const optimizer = c.optimizer ?? 'adam';
  if (!OPTIMIZERS.includes(optimizer))
    throw new ValueError(
      `NeuralNetwork: optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${String(optimizer)}'`,
    );
  const dropoutRate = nonNegative('dropoutRate', c.dropoutRate ?? 0);
  if (dropoutRate >= 1)
    throw new ValueError(`NeuralNetwork: dropoutRate must be in [0, 1), got ${dropoutRate}`);
  const lr = c.lr ?? (optimizer === 'sgd' ? 1e-2 : 1e-3);
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
    throw new ValueError(`NeuralNetwork: lr must be a finite number > 0, got ${String(lr)}`);
  if (c.seed !== undefined && !(Number.isInteger(c.seed) && c.seed >= 0))
    throw new ValueError(`NeuralNetwork: seed must be a non-negative integer, got ${c.seed}`);
  if (
    c.lrScheduler !== undefined &&
    !['step', 'exponential', 'cosine', 'plateau'].includes((c.lrScheduler as { type?: string })?.type ?? '')
  ) {
    throw new ValueError(
      "NeuralNetwork: lrScheduler.type must be 'step', 'exponential', 'cosine' or 'plateau'",
    );
  }
  return {
    layers: [...layers],
    activation: c.activation ?? 'relu',
    outputActivation,
    dropoutRate,
    regLambda: nonNegative('regLambda', c.regLambda ?? 0),
    l1Lambda: nonNegative('l1Lambda', c.l1Lambda ?? 0),
    weightNoiseStd: nonNegative('weightNoiseStd', c.weightNoiseStd ?? 0),
    regression,
    scaleTargets: c.scaleTargets ?? true,
    optimizer,
    lr,
    lrScheduler: c.lrScheduler,
    backend: c.backend,
    seed: c.seed,
  };
}
