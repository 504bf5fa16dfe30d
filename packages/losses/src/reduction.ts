import { mean, sum, type Tensor, ValueError } from '@nn/tensor';

/** How per-element losses are combined, as in PyTorch. */
export type Reduction = 'mean' | 'sum' | 'none';

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

export function checkReduction(op: string, reduction: unknown, extra: readonly string[] = []): void {
  if (!REDUCTIONS.includes(reduction as string) && !extra.includes(reduction as string)) {
    const allowed = [...REDUCTIONS, ...extra].map((r) => `'${r}'`).join(', ');
    throw new ValueError(`${op}: reduction must be one of ${allowed}, got '${String(reduction)}'`);
  }
}

/** Applies a reduction to per-element losses; the unreduced tensor is freed when a new one is made. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  const out = reduction === 'sum' ? sum(loss) : mean(loss);
  loss.dispose();
  return out;
}
