import {
  add,
  cast,
  cat,
  DTypeError,
  dispose,
  expand,
  fmtShape,
  isFloat,
  logicalOr,
  maskedFill,
  matmul,
  mean,
  narrow,
  pad,
  permute,
  reshape,
  ShapeError,
  split,
  squeeze,
  type Tensor,
  t,
  transpose,
  unsqueeze,
  ValueError,
  zeros,
} from '@nn/tensor';
import { constant, xavierNormal, xavierUniform } from '../init.js';
import { Module } from '../module.js';
import { attentionCore, causalMask } from './attention-core.js';
import { Linear } from './linear.js';
import { type FactoryOptions, param, positiveInt, probability } from './util.js';

/** Options of `MultiheadAttention` (PyTorch's constructor arguments). */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases of the input and output projections (default true). */
  bias?: boolean;
  /** Learned key and value rows appended to every sequence (`bias_k`, `bias_v`). */
  addBiasKv?: boolean;
  /** A zero key and value appended to every sequence. */
  addZeroAttn?: boolean;
  /** Feature size of keys (default embedDim); with vdim, separate q/k/v projection weights. */
  kdim?: number;
  /** Feature size of values (default embedDim). */
  vdim?: number;
  /** Inputs and outputs are [N, L, E] (default false: [L, N, E]). */
  batchFirst?: boolean;
}

/** Options of one `MultiheadAttention` call (PyTorch's forward arguments). */
export interface AttentionCallOptions {
  /** [N, S] (or [S] unbatched): true marks a padded key no query may attend to; a float mask is added. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true), else null in their place. */
  needWeights?: boolean;
  /** [L, S] or [N * numHeads, L, S]: bool (true = may not attend) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Weights averaged over heads, [N, L, S] (default), or per head, [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
  /** Without an attnMask: query i attends only to keys j <= i. */
  isCausal?: boolean;
}

/** Shapes of one call, read before anything is allocated. */
interface CallShape {
  batched: boolean;
  n: number;
  l: number;
  s: number;
}

function checkMaskDType(op: string, name: string, m: Tensor): void {
  if (m.dtype !== 'bool' && !isFloat(m.dtype)) {
    throw new DTypeError(
      `${op}: ${name} must be bool or floating point, got ${m.dtype} of shape ${fmtShape(m.shape)}`,
    );
  }
}

/**
 * Multi-head attention as PyTorch's nn.MultiheadAttention, parameter for parameter:
 * `in_proj_weight` [3E, E] = [W_q; W_k; W_v] (or `q_proj_weight`, `k_proj_weight`,
 * `v_proj_weight` when kdim/vdim differ from E), `in_proj_bias` [3E], `out_proj` (a Linear),
 * `bias_k`/`bias_v` with addBiasKv. `call(query, key, value, options)` returns
 * `[output, weights]`, weights null when `needWeights` is false.
 */
export class MultiheadAttention extends Module<
  [Tensor, Tensor, Tensor, AttentionCallOptions?],
  [Tensor, Tensor | null]
> {
  // Declared in PyTorch's registration order, which is the state-dict order.
  q_proj_weight: Tensor | null = null;
  k_proj_weight: Tensor | null = null;
  v_proj_weight: Tensor | null = null;
  in_proj_weight: Tensor | null = null;
  in_proj_bias: Tensor | null = null;
  bias_k: Tensor | null = null;
  bias_v: Tensor | null = null;
  out_proj: Linear;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    this.embedDim = positiveInt(op, 'embedDim', embedDim);
    this.numHeads = positiveInt(op, 'numHeads', numHeads);
    if (embedDim % numHeads !== 0)
      throw new ValueError(`${op}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.kdim = positiveInt(op, 'kdim', options.kdim ?? embedDim);
    this.vdim = positiveInt(op, 'vdim', options.vdim ?? embedDim);
    this.dropout = probability(op, 'dropout', options.dropout ?? 0);
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    const bias = options.bias ?? true;
    const e = embedDim;
    if (this.kdim === e && this.vdim === e) {
      this.in_proj_weight = xavierUniform(param([3 * e, e], options));
    } else {
      this.q_proj_weight = xavierUniform(param([e, e], options));
      this.k_proj_weight = xavierUniform(param([e, this.kdim], options));
      this.v_proj_weight = xavierUniform(param([e, this.vdim], options));
    }
    if (bias) this.in_proj_bias = constant(param([3 * e], options), 0);
    if (options.addBiasKv) {
      this.bias_k = xavierNormal(param([1, 1, e], options));
      this.bias_v = xavierNormal(param([1, 1, e], options));
    }
    this.out_proj = new Linear(e, e, { bias, dtype: options.dtype, backend: options.backend });
    if (this.out_proj.bias) constant(this.out_proj.bias, 0);
  }

  /** Checks every shape and dtype of a call before anything is allocated. */
  #check(query: Tensor, key: Tensor, value: Tensor, o: AttentionCallOptions): CallShape {
    const op = 'MultiheadAttention';
    const batched = query.ndim === 3;
    if (!batched && query.ndim !== 2)
      throw new ShapeError(
        `${op}: query must be [L, N, E], [N, L, E] or unbatched [L, E], got ${fmtShape(query.shape)}`,
      );
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${op}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must all be batched or all unbatched`,
      );
    }
    const last = (x: Tensor): number => x.shape[x.ndim - 1];
    for (const [name, x, want] of [
      ['query', query, this.embedDim],
      ['key', key, this.kdim],
      ['value', value, this.vdim],
    ] as const) {
      if (last(x) !== want)
        throw new ShapeError(
          `${op}: ${name} must have ${want} features in its last dim, got ${fmtShape(x.shape)}`,
        );
      if (x.dtype !== this.out_proj.weight.dtype)
        throw new DTypeError(
          `${op}: ${name} is ${x.dtype}, the parameters are ${this.out_proj.weight.dtype}`,
        );
    }
    const seqAxis = batched && this.batchFirst ? 1 : 0;
    const n = batched ? query.shape[1 - seqAxis] : 1;
    const l = query.shape[seqAxis];
    const s = key.shape[seqAxis];
    const kn = batched ? key.shape[1 - seqAxis] : 1;
    const vn = batched ? value.shape[1 - seqAxis] : 1;
    if (kn !== n || vn !== n || value.shape[seqAxis] !== s) {
      throw new ShapeError(
        `${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the batch size of query ${fmtShape(query.shape)} and one sequence length`,
      );
    }
    const kpm = o.keyPaddingMask;
    if (kpm) {
      checkMaskDType(op, 'keyPaddingMask', kpm);
      const want = batched ? [n, s] : [s];
      if (kpm.ndim !== want.length || kpm.shape.some((d, i) => d !== want[i]))
        throw new ShapeError(
          `${op}: keyPaddingMask must be ${fmtShape(want)} for key ${fmtShape(key.shape)}, got ${fmtShape(kpm.shape)}`,
        );
    }
    const am = o.attnMask;
    if (am) {
      checkMaskDType(op, 'attnMask', am);
      const ok2 = am.ndim === 2 && am.shape[0] === l && am.shape[1] === s;
      const ok3 =
        am.ndim === 3 && am.shape[0] === n * this.numHeads && am.shape[1] === l && am.shape[2] === s;
      if (!ok2 && !ok3) {
        throw new ShapeError(
          `${op}: attnMask must be [${l}, ${s}] or [${n * this.numHeads}, ${l}, ${s}] (N * numHeads, L, S), got ${fmtShape(am.shape)}`,
        );
      }
    }
    return { batched, n, l, s };
  }

  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: AttentionCallOptions = {},
  ): [Tensor, Tensor | null] {
    const sh = this.#check(query, key, value, options);
    const made: Tensor[] = [];
    const m = (x: Tensor): Tensor => {
      made.push(x);
      return x;
    };
    const e = this.embedDim;
    const h = this.numHeads;
    const { n, l } = sh;
    let s = sh.s;
    // Work batch-first: [N, L, E].
    const toNLE = (x: Tensor): Tensor =>
      !sh.batched ? m(unsqueeze(x, 0)) : this.batchFirst ? x : m(transpose(x, 0, 1));
    const [q, k, v] = this.#project(
      toNLE(query),
      toNLE(key),
      toNLE(value),
      query === key && key === value,
      m,
    );
    let kk = k;
    let vv = v;
    let attnMask = options.attnMask ? this.#floatLike(options.attnMask, q, m) : null;
    let padMask = options.keyPaddingMask ? this.#floatLike(options.keyPaddingMask, q, m) : null;
    if (!sh.batched && padMask) padMask = m(unsqueeze(padMask, 0));
    // The causal rule is over the given keys: an explicit mask when another mask joins it, or when
    // bias_k or a zero key are appended (both visible to every query, as with an explicit mask).
    const growsKeys = this.bias_k !== null || this.addZeroAttn;
    if (options.isCausal && !attnMask && (padMask || growsKeys))
      attnMask = m(causalMask(l, s, q.backendName));
    const growMasks = (): void => {
      if (attnMask) attnMask = m(pad(attnMask, [0, 1]));
      if (padMask) padMask = m(pad(padMask, [0, 1]));
      s++;
    };
    if (this.bias_k && this.bias_v) {
      kk = m(cat([kk, m(expand(this.bias_k, [n, 1, e]))], 1));
      vv = m(cat([vv, m(expand(this.bias_v, [n, 1, e]))], 1));
      growMasks();
    }
    const heads = (x: Tensor, len: number): Tensor =>
      m(permute(m(reshape(x, [n, len, h, this.headDim])), [0, 2, 1, 3]));
    let qh = heads(q, l);
    let kh = heads(kk, s);
    let vh = heads(vv, s);
    if (this.addZeroAttn) {
      const z = m(zeros([n, h, 1, this.headDim], { dtype: q.dtype, backend: q.backendName }));
      kh = m(cat([kh, z], 2));
      vh = m(cat([vh, z], 2));
      growMasks();
    }
    const mask = this.#mergeMasks(attnMask, padMask, n, l, s, m);
    const core = attentionCore(qh, kh, vh, {
      mask,
      causal: options.isCausal === true && !mask,
      dropoutP: this.dropout,
      training: this.training,
      needWeights: options.needWeights ?? true,
    });
    m(core.output);
    qh = m(permute(core.output, [0, 2, 1, 3]));
    const merged = m(reshape(qh, [n, l, e]));
    let out = this.out_proj.call(merged);
    if (!sh.batched) out = swap(out, squeeze(out, 0));
    else if (!this.batchFirst) out = swap(out, transpose(out, 0, 1));
    let weights = core.weights;
    if (weights) {
      if (options.averageAttnWeights ?? true) weights = swap(weights, mean(weights, { dim: 1 }));
      if (!sh.batched) weights = swap(weights, squeeze(weights, 0));
    }
    dispose(made);
    return [out, weights];
  }

  /** q, k, v projected ([N, *, E]); one product for self-attention with a packed weight. */
  #project(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    same: boolean,
    m: (x: Tensor) => Tensor,
  ): [Tensor, Tensor, Tensor] {
    const e = this.embedDim;
    const b = this.in_proj_bias;
    const bias = (i: number): Tensor | null => (b ? m(narrow(b, 0, i * e, e)) : null);
    if (same && this.in_proj_weight) {
      const all = m(linear(q, this.in_proj_weight, b));
      return split(all, e, -1).map(m) as [Tensor, Tensor, Tensor];
    }
    const w = (i: number, own: Tensor | null): Tensor =>
      own ?? m(narrow(this.in_proj_weight as Tensor, 0, i * e, e));
    return [
      m(linear(q, w(0, this.q_proj_weight), bias(0))),
      m(linear(k, w(1, this.k_proj_weight), bias(1))),
      m(linear(v, w(2, this.v_proj_weight), bias(2))),
    ];
  }

  /** A float mask in the dtype of the scores; a bool mask as it is. */
  #floatLike(mask: Tensor, q: Tensor, m: (x: Tensor) => Tensor): Tensor {
    return mask.dtype === 'bool' || mask.dtype === q.dtype ? mask : m(cast(mask, q.dtype));
  }

  /**
   * One mask broadcastable to the scores [N, H, L, S]: attnMask [L, S] or [N·H, L, S], key
   * padding [N, S] as [N, 1, 1, S]. Two bool masks are or-ed; a float and a bool become the float
   * with -inf where the bool is true; two floats add (as PyTorch merges them).
   */
  #mergeMasks(
    attn: Tensor | null,
    padding: Tensor | null,
    n: number,
    l: number,
    s: number,
    m: (x: Tensor) => Tensor,
  ): Tensor | null {
    const a = attn && attn.ndim === 3 ? m(reshape(attn, [n, this.numHeads, l, s])) : attn;
    const p = padding ? m(reshape(padding, [n, 1, 1, s])) : null;
    if (!a || !p) return a ?? p;
    if (a.dtype === 'bool' && p.dtype === 'bool') return m(logicalOr(a, p));
    if (a.dtype === 'bool') return m(maskedFill(p, a, Number.NEGATIVE_INFINITY));
    if (p.dtype === 'bool') return m(maskedFill(a, p, Number.NEGATIVE_INFINITY));
    return m(add(a, p));
  }

  protected override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}`;
  }
}

/** x Wᵀ + b. */
function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const wT = t(w);
  const y = matmul(x, wT);
  wT.dispose();
  if (!b) return y;
  const out = add(y, b);
  y.dispose();
  return out;
}

/** `next`, after freeing `prev` (a view of prev keeps its storage alive). */
function swap(prev: Tensor, next: Tensor): Tensor {
  prev.dispose();
  return next;
}
