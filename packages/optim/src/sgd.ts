import { add, checkNumber, isTensor, mul, sub, type Tensor, ValueError } from '@nn/tensor';
import { fromStorage } from '@nn/tensor/internal';
import {
  type BaseOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  withWeightDecay,
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
    const fusedStep = p.backend.fused?.sgdStep;
    if (fusedStep) {
      const first = !isTensor(buf);
      const pc = p.contiguous();
      const out = fusedStep({
        p: pc,
        g: grad.contiguous(),
        buf: first || o.momentum === 0 ? undefined : (buf as Tensor).contiguous(),
        lr: o.lr,
        momentum: o.momentum,
        dampening: o.dampening,
        weightDecay: o.weightDecay,
        nesterov: o.nesterov,
        firstStep: first,
      });
      if (out.buf !== undefined && o.momentum !== 0)
        this.setState(state, 'momentumBuffer', fromStorage(p.backend, out.buf, p.dtype, p.shape));
      p.assign(fromStorage(p.backend, out.p, p.dtype, p.shape));
      return;
    }
    let d = withWeightDecay(grad, p, o.weightDecay);
    if (o.momentum !== 0) {
      const next = isTensor(buf) ? add(mul(buf, o.momentum), mul(d, 1 - o.dampening)) : d.clone();
      const kept = this.setState(state, 'momentumBuffer', next);
      d = o.nesterov ? add(d, mul(kept, o.momentum)) : kept;
    }
    p.assign(sub(p, mul(d, o.lr)));
  }
}
