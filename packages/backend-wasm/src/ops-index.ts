// Indexing runs the JavaScript reference kernels of @nn/backend-cpu over views of the heap (one
// implementation for both backends), except a whole-row gather, which is a block copy here.
import * as reference from '@nn/backend-cpu/kernels';
import { sizeOf, type TensorView } from '@nn/tensor';
import { allocOut, type Ctx, fromHost } from './context.js';
import type { WasmStorage } from './heap.js';
import { basePtr, elementBytes, hostView, isContiguousView } from './strided.js';

export function concat(
  ctx: Ctx,
  inputs: readonly TensorView[],
  axis: number,
  outShape: readonly number[],
): WasmStorage {
  const views = inputs.map((x) => hostView(ctx.heap, x));
  return fromHost(ctx, reference.concat(views, axis, outShape), inputs[0].dtype);
}

/** dim 0 of a contiguous x, with an index read along dim 0 only and the full row width. */
function isRowSelect(x: TensorView, dim: number, index: TensorView): boolean {
  if (dim !== 0 || x.shape.length === 0 || !isContiguousView(x.shape, x.strides)) return false;
  for (let i = 1; i < index.shape.length; i++) {
    if (index.strides[i] !== 0 || index.shape[i] !== x.shape[i]) return false;
  }
  return true;
}

export function gather(ctx: Ctx, x: TensorView, dim: number, index: TensorView): WasmStorage {
  const n = sizeOf(index.shape);
  if (n > 0 && isRowSelect(x, dim, index)) {
    // indexSelect along dim 0 of a contiguous tensor (a data loader picking a batch): whole rows.
    const out = allocOut(ctx, n, x.dtype);
    const bytes = elementBytes(x.dtype);
    const rowBytes = sizeOf(x.shape.slice(1)) * bytes;
    ctx.k.gatherRows(out.ptr, basePtr(x), basePtr(index), index.strides[0] * 4, index.shape[0], rowBytes);
    return out;
  }
  return fromHost(ctx, reference.gather(hostView(ctx.heap, x), dim, hostView(ctx.heap, index)), x.dtype);
}

export function scatterAdd(
  ctx: Ctx,
  shape: readonly number[],
  dim: number,
  index: TensorView,
  src: TensorView,
): WasmStorage {
  const h = ctx.heap;
  return fromHost(ctx, reference.scatterAdd(shape, dim, hostView(h, index), hostView(h, src)), src.dtype);
}
