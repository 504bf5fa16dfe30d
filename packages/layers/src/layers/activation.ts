import {
  checkOptions,
  elu,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  selu,
  sigmoid,
  silu,
  softmax,
  softplus,
  suggestOption,
  type Tensor,
  tanh,
  ValueError,
} from '@nn/tensor';
import { Module } from '../module.js';

/** max(x, 0), element-wise. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** A ReLU module itself, not a subclass that may do something else: such a ReLU can be fused into the layer before it. */
export function isPlainReLU(m: unknown): boolean {
  return m instanceof ReLU && Object.getPrototypeOf(m) === ReLU.prototype;
}

/** x where x > 0, else `negativeSlope` · x (default 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  protected override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x where x > 0, else alpha · (eˣ - 1) (alpha default 1). */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}

/** The self-normalising ELU with PyTorch's fixed scale and alpha. */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

/** x · Φ(x), exact (`approximate: 'none'`, default) or with the tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    checkOptions('GELU', options, ['approximate']);
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
    }
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
}

/** 1 / (1 + e⁻ˣ), element-wise. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** The hyperbolic tangent, element-wise. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** x · sigmoid(x) (also called swish). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** log(1 + e^(beta·x)) / beta, linear above `threshold` (defaults 1 and 20, as PyTorch). */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    checkOptions('Softplus', options, ['beta', 'threshold']);
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
  }
  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }
}

/** The dim of Softmax/LogSoftmax: PyTorch's `nn.Softmax(1)` or `{ dim: 1 }` (-1 when left out). */
function softmaxDim(op: string, dim: number | { dim?: number } | undefined): number {
  const d = typeof dim === 'number' ? dim : checkOptions(op, dim, ['dim']).dim;
  if (d === undefined) return -1;
  if (!Number.isInteger(d)) throw new ValueError(`${op}: dim must be an integer, got ${String(d)}`);
  return d;
}

/** Softmax along `dim` (default -1, the last): `new Softmax(1)` or `new Softmax({ dim: 1 })`. */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim?: number | { dim?: number }) {
    super();
    this.dim = softmaxDim('Softmax', dim);
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}

/** Log-softmax along `dim` (default -1, the last); stable for large inputs. `new LogSoftmax(1)` or `{ dim: 1 }`. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim?: number | { dim?: number }) {
    super();
    this.dim = softmaxDim('LogSoftmax', dim);
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
}

/** Returns its input unchanged (a placeholder layer). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Activations by name, as `Dense(in, out, { activation })` takes them; 'linear' is none. */
export type ActivationName =
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'selu'
  | 'gelu'
  | 'sigmoid'
  | 'tanh'
  | 'silu'
  | 'softplus'
  | 'softmax'
  | 'logSoftmax'
  | 'linear';

/** An activation by name, or any module. */
export type Activation = ActivationName | Module;

const BY_NAME: Record<ActivationName, () => Module> = {
  relu: () => new ReLU(),
  leakyRelu: () => new LeakyReLU(),
  elu: () => new ELU(),
  selu: () => new SELU(),
  gelu: () => new GELU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  silu: () => new SiLU(),
  softplus: () => new Softplus(),
  softmax: () => new Softmax(),
  logSoftmax: () => new LogSoftmax(),
  linear: () => new Identity(),
};

/** The activation names `activationModule` (and `Dense`, and the estimator) take. */
export const ACTIVATION_NAMES: readonly ActivationName[] = Object.keys(BY_NAME) as ActivationName[];

/** An activation module from a name or a module. */
export function activationModule(op: string, a: Activation): Module {
  if (a instanceof Module) return a;
  const make = typeof a === 'string' && Object.hasOwn(BY_NAME, a) ? BY_NAME[a] : undefined;
  if (!make) {
    const meant = typeof a === 'string' ? suggestOption(a, ACTIVATION_NAMES) : undefined;
    throw new ValueError(
      `${op}: unknown activation '${String(a)}'${meant ? ` (did you mean '${meant}'?)` : ''}; valid activations: ${ACTIVATION_NAMES.join(', ')}, or a Module`,
    );
  }
  return make();
}
