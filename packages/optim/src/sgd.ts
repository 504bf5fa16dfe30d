import { checkNumber, isTensor, type Tensor, ValueError } from '@nn/tensor';
import { sgdStep } from '@nn/tensor/internal';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';
import { checkBoolean, checkNonNegative } from './validate.js';

/** Hyper-parameters of `SGD` (PyTorch's names in camelCase; defaults 0 / false). */
export interface SGDOptions extends BaseOptions {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * Stochastic gradient descent with optional momentum (PyTorch's formulation), Nesterov and weight decay.
 *
 * @example
 * ```ts
 * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * optimizer.zeroGrad();
 * loss.backward();
 * optimizer.step();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDOptions>>,
    options: Partial<SGDOptions> & { lr: number },
  ) {
    super('SGD', params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
  }

  protected override validate(o: SGDOptions): void {
    super.validate(o);
    checkNonNegative('SGD', 'momentum', o.momentum);
    checkNumber('SGD', 'dampening', o.dampening, Number.isFinite, 'a finite number');
    checkNonNegative('SGD', 'weightDecay', o.weightDecay);
    checkBoolean('SGD', 'nesterov', o.nesterov);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ValueError(
        `SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${o.momentum}, dampening ${o.dampening}`,
      );
    }
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, o: ParamGroup<SGDOptions>): void {
    const buf = state.momentumBuffer;
    const next = sgdStep(p, grad, isTensor(buf) ? buf : undefined, {
      lr: o.lr,
      momentum: o.momentum,
      dampening: o.dampening,
      weightDecay: o.weightDecay,
      nesterov: o.nesterov,
    });
    if (next.buf) this.setState(state, 'momentumBuffer', next.buf);
    p.assign(next.p);
  }
}
