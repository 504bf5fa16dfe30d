import {
  add,
  dispose,
  dropout,
  full,
  logicalNot,
  maskedFill,
  matmul,
  mul,
  scaledDotProductAttention,
  softmax,
  type Tensor,
  transpose,
  triu,
} from '@nn/tensor';

/** What the attention core takes besides q, k and v. */
export interface AttentionCoreOptions {
  /**
   * Broadcastable to the scores [N, H, L, S]: bool (true = may not attend, PyTorch's
   * MultiheadAttention convention) or float (added to the scaled scores).
   */
  mask?: Tensor | null;
  /** Query i attends only to keys j <= i (top-left aligned); used when no mask is given. */
  causal?: boolean;
  /** Dropout on the attention weights (training only). */
  dropoutP?: number;
  training?: boolean;
  /** Also return the weights (else `weights` is null). */
  needWeights?: boolean;
}

/**
 * Scaled dot-product attention, per head: softmax(q kᵀ / √d + mask) v over q [N, H, L, D],
 * k [N, H, S, D], v [N, H, S, Dv]. Returns the output [N, H, L, Dv] and, when asked, the weights
 * [N, H, L, S] after dropout (what PyTorch returns). Without weights it is @nn/tensor's
 * `scaledDotProductAttention` (the backend's fused kernel where there is one, as PyTorch's
 * need_weights=False path); with weights, a composite of tensor ops that keeps the [L, S] matrix
 * it returns. Both are differentiable in q, k, v and a float mask.
 */
export function attentionCore(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionCoreOptions = {},
): { output: Tensor; weights: Tensor | null } {
  if (!options.needWeights) return { output: fusedAttention(q, k, v, options), weights: null };
  const made: Tensor[] = [];
  const t = (x: Tensor): Tensor => {
    made.push(x);
    return x;
  };
  const d = q.shape[q.ndim - 1];
  // Scaling q (L·D values) before the product, as PyTorch does, costs less than scaling the scores.
  const qs = t(mul(q, 1 / Math.sqrt(d)));
  let scores = t(matmul(qs, t(transpose(k, -2, -1))));
  let mask = options.mask ?? null;
  if (!mask && options.causal) {
    const [l, s] = scores.shape.slice(-2);
    mask = t(causalMask(l, s, q.backendName));
  }
  if (mask)
    scores = t(
      mask.dtype === 'bool' ? maskedFill(scores, mask, Number.NEGATIVE_INFINITY) : add(scores, mask),
    );
  let weights = softmax(scores, -1);
  const p = options.dropoutP ?? 0;
  if (p > 0 && options.training) {
    const dropped = dropout(weights, { p, training: true });
    weights.dispose();
    weights = dropped;
  }
  const output = matmul(weights, v);
  dispose(made);
  return { output, weights };
}

/**
 * The output alone, through `scaledDotProductAttention`, whose bool mask means the opposite
 * (true = may attend). A query with every key masked out gets zeros there (PyTorch >= 2.5), where
 * the composite above gives NaN (PyTorch 1.13's MultiheadAttention).
 */
function fusedAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionCoreOptions): Tensor {
  const mask = options.mask ?? null;
  const allowed = mask?.dtype === 'bool' ? logicalNot(mask) : mask;
  const p = options.training ? (options.dropoutP ?? 0) : 0;
  try {
    return scaledDotProductAttention(q, k, v, {
      attnMask: allowed,
      isCausal: !allowed && options.causal === true,
      dropoutP: p,
    });
  } finally {
    if (allowed && allowed !== mask) allowed.dispose();
  }
}

/** bool [L, S], true above the diagonal: query i may not attend to keys j > i. */
export function causalMask(l: number, s: number, backend: string): Tensor {
  const all = full([l, s], 1, { dtype: 'bool', backend });
  const mask = triu(all, 1);
  all.dispose();
  return mask;
}
