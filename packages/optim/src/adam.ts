import type { Tensor } from '@nn/tensor';
import { adamStep } from '@nn/tensor/internal';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';
import { checkBetas, checkBoolean, checkNonNegative } from './validate.js';

/** Hyper-parameters of `Adam` and `AdamW` (defaults betas [0.9, 0.999], eps 1e-8). */
export interface AdamOptions extends BaseOptions {
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

/** PyTorch's defaults, which Adam and AdamW share but for weight decay. */
const adamDefaults = (weightDecay: number): AdamOptions => ({
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay,
  amsgrad: false,
});

/** Adam and AdamW share everything but where weight decay goes. */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected override validate(o: AdamOptions): void {
    super.validate(o);
    checkBetas(this.name, o.betas);
    checkNonNegative(this.name, 'eps', o.eps);
    checkNonNegative(this.name, 'weightDecay', o.weightDecay);
    checkBoolean(this.name, 'amsgrad', o.amsgrad);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, o: ParamGroup<AdamOptions>): void {
    const step = this.nextStep(state);
    const [beta1, beta2] = o.betas;
    const moments = {
      m: this.stateOr(state, 'expAvg', p),
      v: this.stateOr(state, 'expAvgSq', p),
      vMax: o.amsgrad ? this.stateOr(state, 'maxExpAvgSq', p) : undefined,
    };
    const next = adamStep(p, grad, moments, {
      lr: o.lr,
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      decoupled: this.decoupled,
      step,
    });
    this.setState(state, 'expAvg', next.m);
    this.setState(state, 'expAvgSq', next.v);
    if (next.vMax) this.setState(state, 'maxExpAvgSq', next.vMax);
    p.assign(next.p);
  }
}

/**
 * Adam (Kingma & Ba) with PyTorch's bias correction and eps placement; weight decay adds to the gradient.
 *
 * @example
 * ```ts
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
 * optimizer.zeroGrad();
 * loss.backward();
 * optimizer.step();
 * ```
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamOptions>>,
    options: Partial<AdamOptions> = {},
  ) {
    super('Adam', params, { ...adamDefaults(0), ...options });
  }
}

/** AdamW: Adam with decoupled weight decay (p ← p · (1 - lr · weightDecay) before the update; default 0.01). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamOptions>>,
    options: Partial<AdamOptions> = {},
  ) {
    super('AdamW', params, { ...adamDefaults(1e-2), ...options });
  }
}
