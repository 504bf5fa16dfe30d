import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { expand, reshape } from './shape.js';
import { assertTensor } from './util.js';

function counts(op: string, v: readonly number[]): number[] {
  if (!Array.isArray(v) || v.some((k) => !Number.isInteger(k) || k < 0))
    throw new ValueError(`${op}: repeats must be non-negative integers, got [${String(v)}]`);
  return [...v];
}

/**
 * x tiled `sizes[i]` times along each dim (PyTorch's repeat): more sizes than dims add leading
 * dims. One expand of interleaved unit dims and one copy; the gradient sums the tiles.
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  assertTensor('repeat', 'input', x);
  const reps = counts('repeat', sizes);
  if (reps.length < x.ndim) {
    throw new ShapeError(
      `repeat: the number of repeats (${reps.length}) cannot be smaller than the number of dims of input ${fmtShape(x.shape)}`,
    );
  }
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  const interleaved = shape.flatMap((s) => [1, s]);
  const wide = reps.flatMap((r, i) => [r, shape[i]]);
  return tidy(() =>
    reshape(
      expand(reshape(x, interleaved), wide),
      shape.map((s, i) => s * reps[i]),
    ),
  );
}

/** PyTorch's tile: repeat, with fewer repeats than dims padded by leading 1s. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  assertTensor('tile', 'input', x);
  const r = counts('tile', reps);
  return repeat(x, [...new Array<number>(Math.max(0, x.ndim - r.length)).fill(1), ...r]);
}
