import { sizeOf, type TensorView } from '@nn/tensor';
import { allocOut, type Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr, offsets } from './strided.js';

/** Splits rows [0, m) of one GEMM across threads; the single-threaded default runs them here. */
export type GemmRunner = (
  m: number,
  n: number,
  k: number,
  a: number,
  rsA: number,
  csA: number,
  b: number,
  rsB: number,
  csB: number,
  c: number,
  accumulate?: boolean,
) => void;

export function matmul(ctx: Ctx, a: TensorView, b: TensorView, runGemm: GemmRunner): WasmStorage {
  const r = a.shape.length;
  const m = a.shape[r - 2];
  const k = a.shape[r - 1];
  const n = b.shape[r - 1];
  const batchShape = a.shape.slice(0, r - 2);
  const batch = sizeOf(batchShape);
  const out = allocOut(ctx, batch * m * n, a.dtype);
  if (batch * m * n === 0) return out;
  const ao = offsets(batchShape, a.strides.slice(0, r - 2));
  const bo = offsets(batchShape, b.strides.slice(0, r - 2));
  const [rsA, csA] = [a.strides[r - 2], a.strides[r - 1]];
  const [rsB, csB] = [b.strides[r - 2], b.strides[r - 1]];
  if (a.dtype === 'float32') {
    const pa = basePtr(a);
    const pb = basePtr(b);
    for (let i = 0; i < batch; i++) {
      runGemm(m, n, k, pa + ao[i] * 4, rsA, csA, pb + bo[i] * 4, rsB, csB, out.ptr + i * m * n * 4);
    }
    return out;
  }
  // float64: a plain loop (gradcheck sizes), accumulating in double like the cpu reference.
  const arr = arrayOf(ctx.heap, a.dtype);
  const ab = baseIndex(a);
  const bb = baseIndex(b);
  const db = baseIndex({ storage: out, dtype: a.dtype, shape: [1], strides: [1], offset: 0 });
  for (let t = 0; t < batch; t++) {
    const A = ab + ao[t];
    const B = bb + bo[t];
    const C = db + t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += arr[A + i * rsA + p * csA] * arr[B + p * rsB + j * csB];
        arr[C + i * n + j] = s;
      }
    }
  }
  return out;
}
