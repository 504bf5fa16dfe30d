import { checkOptions, type FusedActivation, optionKeys, type Tensor } from '@nn/tensor';
import { linearActivation } from '@nn/tensor/internal';
import { kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { type Activation, activationModule, isPlainReLU } from './activation.js';
import { type FactoryOptions, param, positiveInt } from './util.js';

/** Options of `Linear`. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

const LINEAR_KEYS = optionKeys<LinearOptions>({ dtype: 1, backend: 1, bias: 1 });

/**
 * y = x Wᵀ + b over the last dim, with `weight` [outFeatures, inFeatures] as PyTorch. Initialised
 * as PyTorch: weight kaiming-uniform (a = √5), bias U(-1/√in, 1/√in).
 *
 * @example
 * ```ts
 * const fc = new Linear(3, 2);
 * console.log(fc.weight.shape); // [2, 3], as PyTorch
 * const y = fc.call(randn([5, 3])); // [5, 2]
 * ```
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, LINEAR_KEYS);
    this.inFeatures = positiveInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = positiveInt('Linear', 'outFeatures', outFeatures);
    this.weight = kaimingUniform(param([outFeatures, inFeatures], options), { a: Math.sqrt(5) });
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias = options.bias === false ? null : uniform(param([outFeatures], options), -bound, bound);
  }

  forward(x: Tensor): Tensor {
    return this.affine(x, 'none');
  }

  /** x Wᵀ + b, then the activation, as one op (one kernel where the backend has it, one graph node). */
  protected affine(x: Tensor, activation: FusedActivation): Tensor {
    return linearActivation(x, this.weight, this.bias, activation);
  }

  /**
   * `forward` followed by relu as one op, for a Sequential that holds a ReLU right after this
   * layer; undefined when a subclass changed `forward` (then the two run as written).
   */
  forwardRelu(x: Tensor): Tensor | undefined {
    if (this.forward !== Linear.prototype.forward) return undefined;
    return this.affine(x, 'relu');
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Options of `Dense`: those of `Linear` plus an activation. */
export interface DenseOptions extends LinearOptions {
  /** Applied after the affine map: a name ('relu', 'tanh', ...) or a module. */
  activation?: Activation;
}

const DENSE_KEYS = optionKeys<DenseOptions>({ dtype: 1, backend: 1, bias: 1, activation: 1 });

/** A Linear layer followed by an activation, the Keras-style `Dense(in, out, { activation })`. */
export class Dense extends Linear {
  readonly activation: Module | null;
  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    const { activation, ...linear } = checkOptions('Dense', options, DENSE_KEYS);
    super(inFeatures, outFeatures, linear);
    this.activation = activation === undefined ? null : activationModule('Dense', activation);
  }
  override forward(x: Tensor): Tensor {
    if (isPlainReLU(this.activation)) return this.affine(x, 'relu');
    const y = super.forward(x);
    if (!this.activation) return y;
    const out = this.activation.call(y);
    y.dispose();
    return out;
  }
}
