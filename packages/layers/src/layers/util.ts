import { type DType, type Tensor, ValueError, zeros } from '@nn/tensor';
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

export function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ValueError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

export function probability(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ValueError(`${op}: ${name} must be in [0, 1], got ${String(v)}`);
  return v;
}
