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

/** The i-th saved tensor; rules only ask for what they saved. */
export function saved(list: readonly (Tensor | null)[], i: number): Tensor {
  const t = list[i];
  if (!t) throw new Error(`internal: gradient rule read unsaved tensor #${i}`);
  return t;
}

export function param(attrs: Readonly<Record<string, unknown>>, i: number): number {
  return (attrs.params as readonly number[])[i];
}
