import type { LossReduction, TensorView, TypedArray } from '@nn/tensor';
import { crossEntropyRows, crossEntropyRowsBackward } from '@nn/tensor/internal';
import { alloc } from '../strided.js';

type Floats = Float32Array | Float64Array;

/** Cross entropy over contiguous logit rows (the shared host loop); targets checked as they are read. */
export function crossEntropy(
  x: TensorView,
  target: TensorView,
  ignoreIndex: number,
  reduction: LossReduction,
): { loss: TypedArray } | { badTarget: number } {
  const [rows, classes] = x.shape;
  const out = alloc(x.dtype, reduction === 'none' ? rows : 1) as Floats;
  const t = target.storage as Int32Array;
  const bad = crossEntropyRows(
    x.storage as Floats,
    x.offset,
    t,
    target.offset,
    rows,
    classes,
    ignoreIndex,
    reduction,
    out,
    0,
  );
  return bad < 0 ? { loss: out } : { badTarget: t[target.offset + bad] };
}

export function crossEntropyBackward(
  x: TensorView,
  target: TensorView,
  g: TensorView,
  ignoreIndex: number,
  reduction: LossReduction,
): TypedArray {
  const [rows, classes] = x.shape;
  const out = alloc(x.dtype, rows * classes) as Floats;
  crossEntropyRowsBackward(
    x.storage as Floats,
    x.offset,
    target.storage as Int32Array,
    target.offset,
    g.storage as Floats,
    g.offset,
    rows,
    classes,
    ignoreIndex,
    reduction,
    out,
    0,
  );
  return out;
}

/** g where x > 0, else 0, over contiguous views. */
export function reluBackward(x: TensorView, g: TensorView): TypedArray {
  const n = g.shape.reduce((a, b) => a * b, 1);
  const out = alloc(g.dtype, n);
  const xs = x.storage as TypedArray;
  const gs = g.storage as TypedArray;
  for (let i = 0; i < n; i++) out[i] = xs[x.offset + i] > 0 ? gs[g.offset + i] : 0;
  return out;
}
