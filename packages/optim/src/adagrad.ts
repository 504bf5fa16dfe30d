import { add, div, fullLike, isTensor, mul, sqrt, square, sub, type Tensor } from '@nn/tensor';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';
import { checkNumber, nonNegative } from './validate.js';

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
    super('Adagrad', params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      ...options,
    });
  }

  protected override validate(o: AdagradOptions): void {
    super.validate(o);
    checkNumber('Adagrad', 'lrDecay', o.lrDecay, nonNegative, 'a finite number >= 0');
    checkNumber('Adagrad', 'weightDecay', o.weightDecay, nonNegative, 'a finite number >= 0');
    checkNumber(
      'Adagrad',
      'initialAccumulatorValue',
      o.initialAccumulatorValue,
      nonNegative,
      'a finite number >= 0',
    );
    checkNumber('Adagrad', 'eps', o.eps, nonNegative, 'a finite number >= 0');
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, o: ParamGroup<AdagradOptions>): void {
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const g = o.weightDecay !== 0 ? add(grad, mul(p, o.weightDecay)) : grad;
    const clr = o.lr / (1 + (step - 1) * o.lrDecay);
    const s0 = isTensor(state.sum) ? state.sum : fullLike(p, o.initialAccumulatorValue);
    const s = this.setState(state, 'sum', add(s0, square(g)));
    p.assign(sub(p, mul(div(g, add(sqrt(s), o.eps)), clr)));
  }
}
