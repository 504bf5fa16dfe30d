import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { assertTensor } from '../util.js';

/** An int argument given once for every spatial dim, or per dim. */
export type IntOrTuple = number | readonly number[];

/** Expands `v` to `n` integers (each >= min), naming the op and argument in errors. */
export function tuple(op: string, name: string, v: IntOrTuple, n: number, min: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n) {
    throw new ValueError(`${op}: ${name} must be a number or ${n} numbers, got [${list.join(', ')}]`);
  }
  for (const x of list) {
    if (!Number.isInteger(x) || x < min) {
      throw new ValueError(
        `${op}: ${name} must be integers >= ${min}, got ${typeof v === 'number' ? v : `[${list.join(', ')}]`}`,
      );
    }
  }
  return list;
}

/** Checks a float input of rank `rank` (batched) or `rank - 1` (unbatched); true when unbatched. */
export function checkSpatialInput(op: string, x: Tensor, rank: number, layout: string): boolean {
  assertTensor(op, 'input', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(
      `${op}: expected a floating point input, got ${x.dtype} of shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.ndim !== rank && x.ndim !== rank - 1) {
    throw new ShapeError(
      `${op}: expected a ${rank}-D input ${layout} (or ${rank - 1}-D unbatched), got shape ${fmtShape(x.shape)}`,
    );
  }
  return x.ndim === rank - 1;
}

/** Output length of a convolution along one dim. */
export function convOut(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * Output length of a pooling window along one dim (PyTorch's rule): in ceil mode the last window
 * must start inside the input or the left padding.
 */
export function poolOut(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}
