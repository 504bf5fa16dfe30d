import { add, div, maximum, mul, sqrt, square, sub, type Tensor } from '@nn/tensor';
import { fromStorage } from '@nn/tensor/internal';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  withWeightDecay,
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
    // The fused kernel reads the moments as they are, so they exist (as kept zeros) before it runs.
    const m0 = this.setState(state, 'expAvg', this.stateOr(state, 'expAvg', p));
    const v0 = this.setState(state, 'expAvgSq', this.stateOr(state, 'expAvgSq', p));
    const vMax0 = o.amsgrad
      ? this.setState(state, 'maxExpAvgSq', this.stateOr(state, 'maxExpAvgSq', p))
      : undefined;
    const fusedStep = p.backend.fused?.adamStep;
    if (fusedStep) {
      const out = fusedStep({
        p: p.contiguous(),
        g: grad.contiguous(),
        m: m0,
        v: v0,
        vMax: vMax0,
        lr: o.lr,
        beta1,
        beta2,
        eps: o.eps,
        weightDecay: o.weightDecay,
        decoupled: this.decoupled,
        step,
      });
      const make = (s: unknown): Tensor => fromStorage(p.backend, s, p.dtype, p.shape);
      this.setState(state, 'expAvg', make(out.m));
      this.setState(state, 'expAvgSq', make(out.v));
      if (o.amsgrad && out.vMax !== undefined) this.setState(state, 'maxExpAvgSq', make(out.vMax));
      p.assign(make(out.p));
      return;
    }
    const param = this.decoupled && o.weightDecay !== 0 ? mul(p, 1 - o.lr * o.weightDecay) : p;
    const g = this.decoupled ? grad : withWeightDecay(grad, p, o.weightDecay);
    const m = this.setState(state, 'expAvg', add(mul(m0, beta1), mul(g, 1 - beta1)));
    const v = this.setState(state, 'expAvgSq', add(mul(v0, beta2), mul(square(g), 1 - beta2)));
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    let second = v;
    if (vMax0) second = this.setState(state, 'maxExpAvgSq', maximum(vMax0, v));
    const denom = add(div(sqrt(second), Math.sqrt(bc2)), o.eps);
    p.assign(sub(param, mul(div(m, denom), o.lr / bc1)));
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
