import { add, checkNumber, div, mul, optionKeys, sqrt, square, sub, type Tensor } from '@nn/tensor';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  withWeightDecay,
} from './optimizer.js';
import { checkBoolean, checkNonNegative } from './validate.js';

/** Hyper-parameters of `RMSprop` (defaults lr 1e-2, alpha 0.99, eps 1e-8). */
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
    super(
      'RMSprop',
      params,
      {
        lr: 1e-2,
        alpha: 0.99,
        eps: 1e-8,
        weightDecay: 0,
        momentum: 0,
        centered: false,
        ...options,
      },
      optionKeys<RMSpropOptions>({ lr: 1, alpha: 1, eps: 1, weightDecay: 1, momentum: 1, centered: 1 }),
    );
  }

  protected override validate(o: RMSpropOptions): void {
    super.validate(o);
    checkNumber('RMSprop', 'alpha', o.alpha, (a) => a >= 0 && a <= 1, 'in [0, 1]');
    checkNonNegative('RMSprop', 'eps', o.eps);
    checkNonNegative('RMSprop', 'weightDecay', o.weightDecay);
    checkNonNegative('RMSprop', 'momentum', o.momentum);
    checkBoolean('RMSprop', 'centered', o.centered);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, o: ParamGroup<RMSpropOptions>): void {
    this.nextStep(state);
    const g = withWeightDecay(grad, p, o.weightDecay);
    const sq0 = this.stateOr(state, 'squareAvg', p);
    const sq = this.setState(state, 'squareAvg', add(mul(sq0, o.alpha), mul(square(g), 1 - o.alpha)));
    let avg: Tensor;
    if (o.centered) {
      const ga0 = this.stateOr(state, 'gradAvg', p);
      const ga = this.setState(state, 'gradAvg', add(mul(ga0, o.alpha), mul(g, 1 - o.alpha)));
      avg = add(sqrt(sub(sq, square(ga))), o.eps);
    } else avg = add(sqrt(sq), o.eps);
    if (o.momentum > 0) {
      const b0 = this.stateOr(state, 'momentumBuffer', p);
      const buf = this.setState(state, 'momentumBuffer', add(mul(b0, o.momentum), div(g, avg)));
      p.assign(sub(p, mul(buf, o.lr)));
    } else p.assign(sub(p, mul(div(g, avg), o.lr)));
  }
}
