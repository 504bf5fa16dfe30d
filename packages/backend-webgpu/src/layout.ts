import type { TensorView } from '@nn/tensor';

/** Strides of `view` read as a tensor of `outShape` (right-aligned broadcasting: stride 0). */
export function broadcastStrides(view: TensorView, outShape: readonly number[]): number[] {
  const r = outShape.length;
  const k = view.shape.length;
  const out = new Array<number>(r).fill(0);
  for (let i = 0; i < k; i++) {
    const d = r - k + i;
    out[d] = view.shape[i] === 1 && outShape[d] !== 1 ? 0 : view.strides[i];
  }
  return out;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Drops size-1 dims and merges neighbours that every operand walks with one stride, so most
 * element-wise work runs at rank 1 and few shader variants exist.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => {
        outStrides[k][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}
