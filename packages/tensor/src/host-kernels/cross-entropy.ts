/**
 * Cross entropy over rows of logits in host memory (typed arrays and offsets): the kernels of
 * backends whose storage the host can address (cpu; wasm in float64), one copy for all of them.
 * Math in float64, as the SIMD kernels do: (max - x_t) + log Σ exp(x - max).
 */
import type { LossReduction } from '../backend.js';

type Floats = Float32Array | Float64Array;

function rowStats(x: Floats, at: number, classes: number): { max: number; sumExp: number } {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < classes; i++) {
    const v = x[at + i];
    if (v > max || Number.isNaN(v)) max = v;
    if (Number.isNaN(v)) break;
  }
  let sumExp = 0;
  for (let i = 0; i < classes; i++) sumExp += Math.exp(x[at + i] - max);
  return { max, sumExp };
}

/**
 * Writes the loss of `rows` rows of `classes` logits at x[xAt] against targets t[tAt] into
 * out[outAt] (one value per row for 'none', else one). Returns -1, or the first row whose target
 * is neither `ignoreIndex` nor a class (out then holds nothing meaningful).
 */
export function crossEntropyRows(
  x: Floats,
  xAt: number,
  t: Int32Array,
  tAt: number,
  rows: number,
  classes: number,
  ignoreIndex: number,
  reduction: LossReduction,
  out: Floats,
  outAt: number,
): number {
  let total = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const target = t[tAt + r];
    if (target === ignoreIndex) {
      if (reduction === 'none') out[outAt + r] = 0;
      continue;
    }
    if (target < 0 || target >= classes) return r;
    const at = xAt + r * classes;
    const { max, sumExp } = rowStats(x, at, classes);
    const loss = max - x[at + target] + Math.log(sumExp);
    if (reduction === 'none') out[outAt + r] = loss;
    else total += loss;
    count++;
  }
  if (reduction === 'sum') out[outAt] = total;
  else if (reduction === 'mean') out[outAt] = total / count;
  return -1;
}

/** dx = g (softmax(x) - onehot(t)) per row, 0 on ignored rows; g per row for 'none', else g[gAt]; 'mean' divides by the rows kept. */
export function crossEntropyRowsBackward(
  x: Floats,
  xAt: number,
  t: Int32Array,
  tAt: number,
  g: Floats,
  gAt: number,
  rows: number,
  classes: number,
  ignoreIndex: number,
  reduction: LossReduction,
  out: Floats,
  outAt: number,
): void {
  let scale = 1;
  if (reduction === 'mean') {
    let count = 0;
    for (let r = 0; r < rows; r++) if (t[tAt + r] !== ignoreIndex) count++;
    scale = 1 / count;
  }
  for (let r = 0; r < rows; r++) {
    const target = t[tAt + r];
    const at = xAt + r * classes;
    const o = outAt + r * classes;
    if (target === ignoreIndex) {
      out.fill(0, o, o + classes);
      continue;
    }
    const k = g[gAt + (reduction === 'none' ? r : 0)] * scale;
    const { max, sumExp } = rowStats(x, at, classes);
    for (let i = 0; i < classes; i++) {
      const p = Math.exp(x[at + i] - max) / sumExp;
      out[o + i] = k * (i === target ? p - 1 : p);
    }
  }
}
