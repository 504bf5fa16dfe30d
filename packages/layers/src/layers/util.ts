import { checkNumber, type DType, type Tensor, zeros } from '@nn/tensor';
import { Parameter } from '../parameter.js';

/** Where a layer's parameters live: dtype (float32 by default) and backend (the current one). */
export interface FactoryOptions {
  dtype?: DType;
  backend?: string;
}

/** A zero-filled parameter, ready for an init function. */
export function param(shape: readonly number[], o: FactoryOptions = {}): Tensor {
  return Parameter(zeros(shape, { dtype: o.dtype ?? 'float32', backend: o.backend }));
}

/** An integer > 0 (sizes, channel counts), else a ValueError naming the option. */
export function positiveInt(op: string, name: string, v: unknown): number {
  return checkNumber(op, name, v, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
}

/** A number in [0, 1] (dropout rates), else a ValueError naming the option. */
export function probability(op: string, name: string, v: unknown): number {
  return checkNumber(op, name, v, (n) => n >= 0 && n <= 1, 'in [0, 1]');
}
