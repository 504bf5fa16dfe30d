import { ACTIVATION_NAMES, type ActivationName } from '@nn/layers';
import { checkOptions, optionKeys, suggestOption, ValueError } from '@nn/tensor';

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
  /**
   * Seeds the network's own random stream (initialisation, shuffles, dropout, noise), restarted
   * before each `train`; the process-wide generator is left alone, so seeded networks trained
   * concurrently give the same weights as trained one after the other.
   */
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

const CONFIG_KEYS = optionKeys<NeuralNetworkConfig>({
  layers: 1,
  activation: 1,
  outputActivation: 1,
  dropoutRate: 1,
  regLambda: 1,
  l1Lambda: 1,
  weightNoiseStd: 1,
  regression: 1,
  scaleTargets: 1,
  optimizer: 1,
  lr: 1,
  lrScheduler: 1,
  backend: 1,
  seed: 1,
});

/** The keys of each schedule type (besides `type`). */
const SCHEDULER_KEYS: Record<LrSchedulerConfig['type'], readonly string[]> = {
  step: ['type', 'stepSize', 'gamma'],
  exponential: ['type', 'gamma'],
  cosine: ['type', 'tMax', 'etaMin'],
  plateau: ['type', 'patience', 'factor', 'monitor', 'minLr'],
};

/** An activation name the hidden layers can use, else a ValueError listing them. */
function checkActivation(a: unknown): ActivationName {
  if (typeof a === 'string' && ACTIVATION_NAMES.includes(a as ActivationName)) return a as ActivationName;
  const meant = typeof a === 'string' ? suggestOption(a, ACTIVATION_NAMES) : undefined;
  throw new ValueError(
    `NeuralNetwork: unknown activation ${typeof a === 'string' ? `'${a}'` : String(a)}${meant ? ` (did you mean '${meant}'?)` : ''}; valid activations: ${ACTIVATION_NAMES.join(', ')}`,
  );
}

export function resolveConfig(c: NeuralNetworkConfig): ResolvedConfig {
  if (!c || typeof c !== 'object')
    throw new ValueError('NeuralNetwork: expected a config object { layers: [...] }');
  checkOptions('NeuralNetwork', c, CONFIG_KEYS);
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
  if (c.lrScheduler !== undefined) {
    const type = (c.lrScheduler as { type?: string })?.type ?? '';
    if (!Object.hasOwn(SCHEDULER_KEYS, type)) {
      throw new ValueError(
        "NeuralNetwork: lrScheduler.type must be 'step', 'exponential', 'cosine' or 'plateau'",
      );
    }
    checkOptions(
      `NeuralNetwork: lrScheduler '${type}'`,
      c.lrScheduler,
      SCHEDULER_KEYS[type as LrSchedulerConfig['type']],
    );
  }
  return {
    layers: [...layers],
    activation: checkActivation(c.activation ?? 'relu'),
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
