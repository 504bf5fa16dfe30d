// Cross entropy of f32 logit rows against i32 class indices, and its gradient, one pass each.
// exp and log run in f64, as in the softmax kernels. Reductions as the frontend names them:
// NONE keeps a loss per row, SUM adds them, MEAN divides the sum by the rows not ignored
// (0 / 0 = NaN when every row is ignored, as PyTorch).
import { rowMax } from './softmax';

export const NONE: i32 = 0;
export const SUM: i32 = 1;
export const MEAN: i32 = 2;

/** The sum of exp(x_i - m) over a row of C floats. */
// @ts-expect-error: decorator
@inline
function sumExp(xr: usize, C: i32, m: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < C; i++) s += Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - m);
  return s;
}

/**
 * Writes the loss to `out` (rows floats for NONE, one for SUM and MEAN). Returns -1, or the first
 * row whose target is neither `ignore` nor in [0, C) (then `out` holds nothing meaningful).
 */
export function crossEntropyF32(out: usize, x: usize, target: usize, rows: i32, C: i32, ignore: i32, reduction: i32): i32 {
  let total: f64 = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(target + (<usize>r << 2));
    if (t == ignore) {
      if (reduction == NONE) store<f32>(out + (<usize>r << 2), 0);
      continue;
    }
    if (t < 0 || t >= C) return r;
    const xr = x + ((<usize>r * C) << 2);
    const m = <f64>rowMax(xr, C);
    // (m - x_t) first: exact near the max, so a confident row keeps its small loss's digits.
    const loss = (m - <f64>load<f32>(xr + (<usize>t << 2))) + Math.log(sumExp(xr, C, m));
    if (reduction == NONE) store<f32>(out + (<usize>r << 2), <f32>loss);
    else total += loss;
    count++;
  }
  if (reduction == SUM) store<f32>(out, <f32>total);
  else if (reduction == MEAN) store<f32>(out, <f32>(total / <f64>count));
  return -1;
}

/**
 * dx = g (softmax(x) - onehot(target)) per row, 0 on ignored rows; g is one float per row (NONE) or
 * one float (SUM, MEAN); MEAN divides by the rows not ignored.
 */
export function crossEntropyBackwardF32(out: usize, x: usize, target: usize, g: usize, rows: i32, C: i32, ignore: i32, reduction: i32): void {
  let scale: f64 = 1;
  if (reduction == MEAN) {
    let count = 0;
    for (let r = 0; r < rows; r++) if (load<i32>(target + (<usize>r << 2)) != ignore) count++;
    scale = 1 / <f64>count;
  }
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(target + (<usize>r << 2));
    const xr = x + ((<usize>r * C) << 2);
    const or = out + ((<usize>r * C) << 2);
    if (t == ignore) {
      memory.fill(or, 0, <usize>C << 2);
      continue;
    }
    const k = <f64>load<f32>(g + (reduction == NONE ? <usize>r << 2 : 0)) * scale;
    const m = <f64>rowMax(xr, C);
    const inv = 1 / sumExp(xr, C, m);
    for (let i = 0; i < C; i++) {
      const p = Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - m) * inv;
      store<f32>(or + (<usize>i << 2), <f32>(k * (i == t ? p - 1 : p)));
    }
  }
}
