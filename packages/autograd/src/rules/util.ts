import { reshape, sum, type Tensor } from '@nn/tensor';

/** Sums a broadcast gradient back to the shape of the input it came from. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length ? sum(g, { dim: dims, keepdim: true }) : g;
  return reshape(s, shape);
}

/** `shape` with the reduced `dims` kept as size 1. */
export function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}
