import { add, div, fullLike, mul, optionKeys, sqrt, square, sub, type Tensor } from '@nn/tensor';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  withWeightDecay,
} from './optimizer.js';
import { checkNonNegative } from './validate.js';

/** Hyper-parameters of `Adagrad` (defaults lr 1e-2, eps 1e-10). */
export interface AdagradOptions extends BaseOptions {
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
}

/** Adagrad: per-element learning rates from the running sum of squared gradients. */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<AdagradOptions>>,
    options: Partial<AdagradOptions> = {},
  ) {
    super(
      'Adagrad',
      params,
      {
        lr: 1e-2,
        lrDecay: 0,
        weightDecay: 0,
        initialAccumulatorValue: 0,
        eps: 1e-10,
        ...options,
      },
      optionKeys<AdagradOptions>({ lr: 1, lrDecay: 1, weightDecay: 1, initialAccumulatorValue: 1, eps: 1 }),
    );
  }

  protected override validate(o: AdagradOptions): void {
    super.validate(o);
    checkNonNegative('Adagrad', 'lrDecay', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', o.eps);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, o: ParamGroup<AdagradOptions>): void {
    const step = this.nextStep(state);
    const g = withWeightDecay(grad, p, o.weightDecay);
    const clr = o.lr / (1 + (step - 1) * o.lrDecay);
    const s0 = this.stateOr(state, 'sum', p, () => fullLike(p, o.initialAccumulatorValue));
    const s = this.setState(state, 'sum', add(s0, square(g)));
    p.assign(sub(p, mul(div(g, add(sqrt(s), o.eps)), clr)));
  }
}
