import { add, div, isTensor, mul, sqrt, square, sub, type Tensor, zerosLike } from '@nn/tensor';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';
import { checkBoolean, checkNumber, nonNegative } from './validate.js';

export interface RMSpropOptions extends BaseOptions {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

/** RMSprop as PyTorch has it: eps outside the square root, optional centering and momentum. */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<RMSpropOptions>>,
    options: Partial<RMSpropOptions> = {},
  ) {
    super('RMSprop', params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      ...options,
    });
  }

  protected override validate(o: RMSpropOptions): void {
    super.validate(o);
    checkNumber('RMSprop', 'alpha', o.alpha, (a) => a >= 0 && a <= 1, 'in [0, 1]');
    checkNumber('RMSprop', 'eps', o.eps, nonNegative, 'a finite number >= 0');
    checkNumber('RMSprop', 'weightDecay', o.weightDecay, nonNegative, 'a finite number >= 0');
    checkNumber('RMSprop', 'momentum', o.momentum, nonNegative, 'a finite number >= 0');
    checkBoolean('RMSprop', 'centered', o.centered);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, o: ParamGroup<RMSpropOptions>): void {
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    const g = o.weightDecay !== 0 ? add(grad, mul(p, o.weightDecay)) : grad;
    const sq0 = isTensor(state.squareAvg) ? state.squareAvg : zerosLike(p);
    const sq = this.setState(state, 'squareAvg', add(mul(sq0, o.alpha), mul(square(g), 1 - o.alpha)));
    let avg: Tensor;
    if (o.centered) {
      const ga0 = isTensor(state.gradAvg) ? state.gradAvg : zerosLike(p);
      const ga = this.setState(state, 'gradAvg', add(mul(ga0, o.alpha), mul(g, 1 - o.alpha)));
      avg = add(sqrt(sub(sq, square(ga))), o.eps);
    } else avg = add(sqrt(sq), o.eps);
    if (o.momentum > 0) {
      const b0 = isTensor(state.momentumBuffer) ? state.momentumBuffer : zerosLike(p);
      const buf = this.setState(state, 'momentumBuffer', add(mul(b0, o.momentum), div(g, avg)));
      p.assign(sub(p, mul(buf, o.lr)));
    } else p.assign(sub(p, mul(div(g, avg), o.lr)));
  }
}
