import type { LossReduction, TensorView } from '@nn/tensor';
import { crossEntropyRows, crossEntropyRowsBackward } from '@nn/tensor/internal';
import { allocOut, type Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr } from './strided.js';

/** Reduction codes of assembly/loss.ts. */
const REDUCTION: Record<LossReduction, number> = { none: 0, sum: 1, mean: 2 };

const floats = (ctx: Ctx, dtype: TensorView['dtype']) =>
  arrayOf(ctx.heap, dtype) as Float32Array | Float64Array;

/**
 * Cross entropy of contiguous logit rows at int32 targets: AssemblyScript for float32 (the targets
 * are checked in the same pass), the shared host loop for float64.
 */
export function crossEntropy(
  ctx: Ctx,
  x: TensorView,
  target: TensorView,
  ignoreIndex: number,
  reduction: LossReduction,
): { loss: WasmStorage } | { badTarget: number } {
  const [rows, classes] = x.shape;
  const out = allocOut(ctx, reduction === 'none' ? rows : 1, x.dtype);
  const bad =
    x.dtype === 'float32'
      ? ctx.k.crossEntropyF32(
          out.ptr,
          basePtr(x),
          basePtr(target),
          rows,
          classes,
          ignoreIndex,
          REDUCTION[reduction],
        )
      : crossEntropyRows(
          floats(ctx, x.dtype),
          baseIndex(x),
          ctx.heap.i32,
          baseIndex(target),
          rows,
          classes,
          ignoreIndex,
          reduction,
          floats(ctx, x.dtype),
          baseIndex({ ...x, storage: out, offset: 0 }),
        );
  if (bad < 0) return { loss: out };
  ctx.heap.free(out);
  return { badTarget: ctx.heap.i32[baseIndex(target) + bad] };
}

export function crossEntropyBackward(
  ctx: Ctx,
  x: TensorView,
  target: TensorView,
  g: TensorView,
  ignoreIndex: number,
  reduction: LossReduction,
): WasmStorage {
  const [rows, classes] = x.shape;
  const out = allocOut(ctx, rows * classes, x.dtype);
  if (x.dtype === 'float32') {
    ctx.k.crossEntropyBackwardF32(
      out.ptr,
      basePtr(x),
      basePtr(target),
      basePtr(g),
      rows,
      classes,
      ignoreIndex,
      REDUCTION[reduction],
    );
    return out;
  }
  const f = floats(ctx, x.dtype);
  crossEntropyRowsBackward(
    f,
    baseIndex(x),
    ctx.heap.i32,
    baseIndex(target),
    f,
    baseIndex(g),
    rows,
    classes,
    ignoreIndex,
    reduction,
    f,
    baseIndex({ ...x, storage: out, offset: 0 }),
  );
  return out;
}
