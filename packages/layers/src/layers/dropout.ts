import { add, dropout, randn, type Tensor, ValueError } from '@nn/tensor';
import { type AnyModule, Module } from '../module.js';
import { isParameter } from '../parameter.js';
import { probability } from './util.js';

/** Zeroes elements with probability p in training (scaling the rest by 1/(1-p)); the identity in eval. */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout', 'p', p);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }
  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

function checkStd(op: string, std: number): number {
  if (typeof std !== 'number' || !(std >= 0) || !Number.isFinite(std)) {
    throw new ValueError(`${op}: std must be a finite number >= 0, got ${String(std)}`);
  }
  return std;
}

/** Adds N(0, std²) noise to its input in training mode (a regularizer); the identity in eval. */
export class GaussianNoise extends Module {
  readonly std: number;
  constructor(std: number) {
    super();
    this.std = checkStd('GaussianNoise', std);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.std === 0) return x;
    const noise = randn(x.shape, { dtype: x.dtype, backend: x.backendName, std: this.std });
    const y = add(x, noise);
    noise.dispose();
    return y;
  }
}

/**
 * Wraps a module so that, in training mode, each forward sees its parameters plus fresh
 * N(0, std²) noise (weight noise); gradients still reach the clean parameters. Off in eval.
 */
export class WeightNoise<In extends unknown[] = [Tensor], Out = Tensor> extends Module<In, Out> {
  readonly std: number;
  constructor(
    readonly module: Module<In, Out>,
    std: number,
  ) {
    super();
    this.std = checkStd('WeightNoise', std);
  }
  forward(...inputs: In): Out {
    if (!this.training || this.std === 0) return this.module.call(...inputs);
    const swapped: [Record<string, unknown>, string, Tensor, Tensor][] = [];
    for (const m of this.module.modules() as AnyModule[]) {
      const rec = m as unknown as Record<string, unknown>;
      for (const [name, value] of Object.entries(rec)) {
        if (!isParameter(value)) continue;
        const noise = randn(value.shape, { dtype: value.dtype, backend: value.backendName, std: this.std });
        const noisy = add(value, noise);
        noise.dispose();
        rec[name] = noisy;
        swapped.push([rec, name, value, noisy]);
      }
    }
    try {
      return this.module.call(...inputs);
    } finally {
      // Put the clean parameters back; the noisy copies stay alive in the graph until backward.
      for (const [rec, name, clean] of swapped) rec[name] = clean;
    }
  }
}
