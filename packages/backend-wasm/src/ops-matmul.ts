import { type FusedActivation, sizeOf, type TensorView } from '@nn/tensor';
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
  epilogue?: Epilogue,
) => void;

/** Added by the GEMM after the product (assembly/gemm.ts): the bias per column or per row, then relu. */
export interface Epilogue {
  readonly bias: number;
  readonly bits: number;
}

/** Epilogue bits, as assembly/gemm.ts reads them. */
export const BIAS_COLS = 1;
export const BIAS_ROWS = 2;
export const RELU = 4;

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

/**
 * activation(x wᵀ + bias) for x [M, K] (contiguous), w [N, K] (any strides: Linear's weight is read
 * as the transposed B in place), bias [N] or null: one GEMM whose epilogue adds the bias and
 * applies relu on each row block while it is in cache. float64 (gradcheck) takes a plain loop.
 */
export function linear(
  ctx: Ctx,
  x: TensorView,
  w: TensorView,
  bias: TensorView | null,
  activation: FusedActivation,
  runGemm: GemmRunner,
): WasmStorage {
  const [m, k] = x.shape;
  const n = w.shape[0];
  const out = allocOut(ctx, m * n, x.dtype);
  if (m * n === 0) return out;
  const relu = activation === 'relu';
  if (x.dtype === 'float32') {
    const bits = (bias ? BIAS_COLS : 0) | (relu ? RELU : 0);
    const epilogue = bits ? { bias: bias ? basePtr(bias) : 0, bits } : undefined;
    runGemm(m, n, k, basePtr(x), k, 1, basePtr(w), w.strides[1], w.strides[0], out.ptr, false, epilogue);
    return out;
  }
  const arr = arrayOf(ctx.heap, x.dtype);
  const xb = baseIndex(x);
  const wb = baseIndex(w);
  const bb = bias ? baseIndex(bias) : 0;
  const ob = baseIndex({ storage: out, dtype: x.dtype, shape: [1], strides: [1], offset: 0 });
  const [ws0, ws1] = w.strides;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? arr[bb + j] : 0;
      let d = 0;
      for (let p = 0; p < k; p++) d += arr[xb + i * k + p] * arr[wb + j * ws0 + p * ws1];
      s += d;
      arr[ob + i * n + j] = relu && !(s > 0) && !Number.isNaN(s) ? 0 : s;
    }
  }
  return out;
}
