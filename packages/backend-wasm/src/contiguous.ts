import type { TensorView } from '@nn/tensor';
import type { Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { cast } from './ops-elementwise.js';
import { isContiguousView } from './strided.js';

/** The view itself when contiguous, else a contiguous copy; `release` frees the copy. */
export function contiguousView(ctx: Ctx, v: TensorView): { view: TensorView; release: () => void } {
  if (isContiguousView(v.shape, v.strides)) return { view: v, release: () => {} };
  const s: WasmStorage = cast(ctx, v, v.dtype);
  const strides: number[] = new Array(v.shape.length);
  let acc = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= v.shape[i];
  }
  return {
    view: { storage: s, dtype: v.dtype, shape: v.shape, strides, offset: 0 },
    release: () => ctx.heap.free(s),
  };
}
