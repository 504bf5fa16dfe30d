import type { AttentionArgs, Backend } from '../../backend.js';
import { isGradEnabled, recordOp } from '../../engine.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions, optionKeys } from '../../options.js';
import { broadcastShapes, sizeOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { arange } from '../creation.js';
import { add, eq, exp, le, mul, sub, where } from '../elementwise.js';
import { matmul } from '../matmul.js';
import { amax, softmax, sum } from '../reduce.js';
import { contiguous, expand, reshape, transpose, unsqueeze } from '../shape.js';
import { assertTensor, backendOf, fromStorage, recording } from '../util.js';
import { dropout } from './dropout.js';

const OP = 'scaledDotProductAttention';

/** Options of `scaledDotProductAttention` (PyTorch's F.scaled_dot_product_attention). */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]. bool: true where the query may attend to the key (false =
   * masked out); float: added to the scaled scores (-Infinity masks out).
   */
  attnMask?: Tensor | null;
  /** Query i attends to keys 0..i only (top-left aligned, as PyTorch's is_causal). Not with attnMask. */
  isCausal?: boolean;
  /** Multiplies q·kᵀ; 1/√E by default. */
  scale?: number | null;
  /** Probability of dropping each attention weight (seeded by `manualSeed`); 0 by default. */
  dropoutP?: number;
}

/** What the checks established: the broadcast batch shape, the sizes, and the resolved options. */
interface Plan {
  readonly batch: readonly number[];
  readonly l: number;
  readonly s: number;
  readonly e: number;
  readonly ev: number;
  readonly scale: number;
  readonly causal: boolean;
  readonly mask: Tensor | null;
  readonly dropoutP: number;
}

function plan(q: Tensor, k: Tensor, v: Tensor, o: ScaledDotProductAttentionOptions): Plan {
  assertTensor(OP, 'query', q);
  assertTensor(OP, 'key', k);
  assertTensor(OP, 'value', v);
  checkOptions(
    OP,
    o,
    optionKeys<ScaledDotProductAttentionOptions>({ attnMask: 1, isCausal: 1, scale: 1, dropoutP: 1 }),
  );
  const mask = o.attnMask ?? null;
  if (mask !== null) assertTensor(OP, 'attnMask', mask);
  backendOf(OP, q, k, v, mask);
  for (const [name, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const) {
    if (t.ndim < 2)
      throw new ShapeError(
        `${OP}: ${name} must be [..., seq, features] (rank >= 2), got ${fmtShape(t.shape)}`,
      );
  }
  if (q.dtype !== 'float32' && q.dtype !== 'float64')
    throw new DTypeError(`${OP}: expected a floating point query, got ${q.dtype}`);
  if (k.dtype !== q.dtype || v.dtype !== q.dtype)
    throw new DTypeError(
      `${OP}: query, key and value must share one dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`,
    );
  const [l, e] = q.shape.slice(-2);
  const [s, ek] = k.shape.slice(-2);
  const [sv, ev] = v.shape.slice(-2);
  if (ek !== e)
    throw new ShapeError(
      `${OP}: key ${fmtShape(k.shape)} must have the query's feature size ${e} (query ${fmtShape(q.shape)}), got ${ek}`,
    );
  if (sv !== s)
    throw new ShapeError(
      `${OP}: value ${fmtShape(v.shape)} must have as many rows as key ${fmtShape(k.shape)} (${s}), got ${sv}`,
    );
  let batch = broadcastShapes(OP, q.shape.slice(0, -2), k.shape.slice(0, -2));
  batch = broadcastShapes(OP, batch, v.shape.slice(0, -2));
  if (mask) {
    if (mask.dtype !== 'bool' && mask.dtype !== q.dtype)
      throw new DTypeError(`${OP}: attnMask must be bool or ${q.dtype} like the query, got ${mask.dtype}`);
    const ms = mask.shape;
    const ml = ms.length >= 2 ? ms[ms.length - 2] : 1;
    const mc = ms.length >= 1 ? ms[ms.length - 1] : 1;
    if ((ml !== 1 && ml !== l) || (mc !== 1 && mc !== s))
      throw new ShapeError(
        `${OP}: attnMask ${fmtShape(ms)} must broadcast to [..., ${l}, ${s}] (L = ${l} queries, S = ${s} keys)`,
      );
    try {
      batch = broadcastShapes(OP, batch, ms.slice(0, -2));
    } catch {
      throw new ShapeError(
        `${OP}: attnMask ${fmtShape(ms)} does not broadcast with the batch dims ${fmtShape(batch)} of query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)}`,
      );
    }
  }
  const causal = o.isCausal ?? false;
  if (typeof causal !== 'boolean')
    throw new ValueError(`${OP}: isCausal must be a boolean, got ${String(causal)}`);
  if (causal && mask)
    throw new ValueError(`${OP}: give either attnMask or isCausal, not both (as in PyTorch)`);
  const scale = o.scale ?? 1 / Math.sqrt(e);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new ValueError(`${OP}: scale must be a finite number, got ${String(o.scale)}`);
  const dropoutP = o.dropoutP ?? 0;
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1))
    throw new ValueError(`${OP}: dropoutP must be in [0, 1], got ${String(o.dropoutP)}`);
  return { batch, l, s, e, ev, scale, causal, mask, dropoutP };
}

/** [L, S] bool: true where query i may see key j (j <= i). */
function causalMask(b: Backend, l: number, s: number): Tensor {
  return tidy(() => {
    const rows = unsqueeze(arange(l, undefined, 1, { dtype: 'int32', backend: b.name }), 1);
    const cols = arange(s, undefined, 1, { dtype: 'int32', backend: b.name });
    return le(cols, rows);
  });
}

/** The scaled scores q kᵀ·scale with the mask applied (-Infinity where masked out). */
function maskedScores(q: Tensor, k: Tensor, p: Plan): Tensor {
  let scores = matmul(mul(q, p.scale), transpose(k, -2, -1));
  if (p.causal) scores = where(causalMask(q.backend, p.l, p.s), scores, Number.NEGATIVE_INFINITY);
  else if (p.mask?.dtype === 'bool') scores = where(p.mask, scores, Number.NEGATIVE_INFINITY);
  else if (p.mask) scores = add(scores, p.mask);
  return scores;
}

/** softmax(scores) along the keys, with a fully masked row all zeros. */
function weightsOf(scores: Tensor, p: Plan): Tensor {
  if (!p.mask) return softmax(scores, -1);
  const empty = eq(amax(scores, { dim: -1, keepdim: true }), Number.NEGATIVE_INFINITY);
  return where(empty, 0, softmax(where(empty, 0, scores), -1));
}

/**
 * softmax(scores) @ v from primitive ops (autograd differentiates it op by op). A fully masked
 * row gives zeros, as PyTorch's _safe_softmax: its scores are replaced by zeros before the
 * softmax (so no NaN reaches the graph) and its weights by zeros after.
 */
function composite(q: Tensor, k: Tensor, v: Tensor, p: Plan): Tensor {
  return tidy(() => {
    let weights = weightsOf(maskedScores(q, k, p), p);
    if (p.dropoutP > 0) weights = dropout(weights, { p: p.dropoutP });
    return matmul(weights, v);
  });
}

/** x [..., n, f] broadcast to [...batch, n, f] and packed as [B, n, f]. */
function packed(x: Tensor, batch: readonly number[]): Tensor {
  const [n, f] = x.shape.slice(-2);
  return contiguous(reshape(expand(x, [...batch, n, f]), [sizeOf(batch), n, f]));
}

/** The fused kernel applies when the backend has it and nothing asks for what it does not do. */
function fusedApplies(b: Backend, p: Plan): boolean {
  if (!b.fused?.attention || p.dropoutP > 0) return false;
  // A float mask that needs a gradient (a learned bias) takes the composite, which gives it one.
  if (p.mask?.requiresGrad && isGradEnabled()) return false;
  return p.l > 0 && p.s > 0 && p.e > 0 && p.ev > 0 && sizeOf(p.batch) > 0;
}

function fused(b: Backend, q: Tensor, k: Tensor, v: Tensor, p: Plan): Tensor {
  return tidy(() => {
    const B = sizeOf(p.batch);
    const q3 = packed(q, p.batch);
    const k3 = packed(k, p.batch);
    const v3 = packed(v, p.batch);
    const mask = p.mask ? expand(p.mask, [...p.batch, p.l, p.s]) : null;
    const args: AttentionArgs = { q: q3, k: k3, v: v3, mask, scale: p.scale, causal: p.causal };
    const r = b.fused!.attention!(args);
    const out = fromStorage(b, r.out, q.dtype, [B, p.l, p.ev]);
    const lse = fromStorage(b, r.lse, q.dtype, [B, p.l]);
    const attrs = { scale: p.scale, causal: p.causal };
    if (mask) recordOp('scaledDotProductAttention:masked', [q3, k3, v3, mask], [out, lse], attrs);
    else recordOp('scaledDotProductAttention', [q3, k3, v3], [out, lse], attrs);
    return reshape(out, [...p.batch, p.l, p.ev]);
  });
}

/**
 * Scaled dot-product attention, PyTorch 2's F.scaled_dot_product_attention: q [..., L, E],
 * k [..., S, E], v [..., S, Ev] (batch dims broadcast) give softmax(q kᵀ·scale + mask) v of shape
 * [..., L, Ev]. Runs the backend's fused kernel when it has one (no L×S matrix is kept, and the
 * backward is fused too), and a composition of matmul, softmax and friends otherwise. A query
 * whose keys are all masked out gets a zero output row and zero gradients, as PyTorch >= 2.5
 * (2.0-2.4 gave NaN there). Dropout (dropoutP > 0) always takes the composite path.
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  const p = plan(query, key, value, options ?? {});
  const b = backendOf(OP, query);
  return fusedApplies(b, p) ? fused(b, query, key, value, p) : composite(query, key, value, p);
}

/** The saved operands of a fused attention node and the gradient of its output. */
export interface AttentionBackwardInputs {
  readonly dOut: Tensor;
  readonly q: Tensor;
  readonly k: Tensor;
  readonly v: Tensor;
  readonly mask: Tensor | null;
  readonly out: Tensor;
  readonly lse: Tensor;
  readonly scale: number;
  readonly causal: boolean;
}

/**
 * Gradients of a fused attention (q [B, L, E], k, v [B, S, *], out, lse as the forward kernel
 * returned them): the backend's fused backward when it has one, else a composite that rebuilds
 * the weights from lse. For the gradient rule of @nn/autograd.
 */
export function scaledDotProductAttentionBackward(a: AttentionBackwardInputs): {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
} {
  const b = backendOf(OP, a.dOut, a.q, a.k, a.v, a.mask, a.out, a.lse);
  const kernel = b.fused?.attentionBackward;
  // Under createGraph the gradients must have a graph: no fused kernel, and the weights rebuilt
  // from q and k (the saved lse has none) rather than from lse.
  const graph = recording(a.dOut, a.q, a.k, a.v, a.out);
  if (kernel && !graph) {
    return tidy(() => {
      const dOut = contiguous(a.dOut);
      const r = kernel({ ...a, dOut });
      return {
        dq: fromStorage(b, r.dq, a.q.dtype, a.q.shape),
        dk: fromStorage(b, r.dk, a.k.dtype, a.k.shape),
        dv: fromStorage(b, r.dv, a.v.dtype, a.v.shape),
      };
    });
  }
  return tidy(() => {
    const [B, l, e] = a.q.shape;
    const [, s, ev] = a.v.shape;
    // Batch dims as the mask has them, so a broadcast mask is never copied per batch.
    const batch = a.mask ? a.mask.shape.slice(0, -2) : [B];
    const as = (t: Tensor) => reshape(t, [...batch, ...t.shape.slice(1)]);
    const q = as(a.q);
    const k = as(a.k);
    const dOut = as(a.dOut);
    const p: Plan = {
      batch,
      l,
      s,
      e,
      ev,
      scale: a.scale,
      causal: a.causal,
      mask: a.mask,
      dropoutP: 0,
    };
    // exp(-inf - lse) is 0 where masked; lse = +inf on a fully masked row makes that row 0.
    const scores = maskedScores(q, k, p);
    const weights = graph ? weightsOf(scores, p) : exp(sub(scores, unsqueeze(as(a.lse), -1)));
    const dv = matmul(transpose(weights, -2, -1), dOut);
    const dWeights = matmul(dOut, transpose(as(a.v), -2, -1));
    const rowDot = sum(mul(dOut, as(a.out)), { dim: -1, keepdim: true });
    const dScores = mul(mul(weights, sub(dWeights, rowDot)), a.scale);
    const dq = matmul(dScores, k);
    const dk = matmul(transpose(dScores, -2, -1), q);
    return {
      dq: reshape(dq, a.q.shape),
      dk: reshape(dk, a.k.shape),
      dv: reshape(dv, a.v.shape),
    };
  });
}
