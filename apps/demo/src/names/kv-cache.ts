// Incremental decoding of a NamesGPT: each layer keeps the keys and values of the positions seen
// so far, so the next character costs one position's work instead of a pass over the prefix.
import type { Module, TransformerEncoderLayer } from '@nn/layers';
import {
  add,
  cat,
  dispose,
  fmtShape,
  keep,
  matmul,
  permute,
  reshape,
  ShapeError,
  scaledDotProductAttention,
  split,
  type Tensor,
  t,
  tidy,
  ValueError,
  withGradMode,
} from '@nn/tensor';
import type { NamesGPT } from './model.js';

/** Keys and values per layer, [N, heads, positions, headDim] each, for one batch of sequences. */
export class KVCache {
  readonly keys: (Tensor | null)[];
  readonly values: (Tensor | null)[];
  /** Positions already fed. */
  length = 0;

  constructor(layers: number) {
    this.keys = new Array<Tensor | null>(layers).fill(null);
    this.values = new Array<Tensor | null>(layers).fill(null);
  }

  /** Appends one layer's new key and value [N, heads, 1, headDim] and returns all of them. */
  append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    const grow = (list: (Tensor | null)[], x: Tensor): Tensor => {
      const old = list[layer];
      // Kept: the cache outlives the step's memory scope.
      const all = keep(old ? cat([old, x], 2) : x.clone());
      old?.dispose();
      list[layer] = all;
      return all;
    };
    return [grow(this.keys, k), grow(this.values, v)];
  }

  dispose(): void {
    dispose(this.keys.filter((x): x is Tensor => x !== null));
    dispose(this.values.filter((x): x is Tensor => x !== null));
    this.keys.fill(null);
    this.values.fill(null);
    this.length = 0;
  }
}

/** x Wᵀ + b. */
function project(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const y = matmul(x, t(w));
  return b ? add(y, b) : y;
}

/** One pre-norm encoder layer on the newest position x [N, 1, E], attending over the cache. */
function layerStep(layer: TransformerEncoderLayer, x: Tensor, cache: KVCache, index: number): Tensor {
  const attn = layer.self_attn;
  const [n, , e] = x.shape;
  const h = attn.numHeads;
  const d = attn.headDim;
  const heads = (y: Tensor): Tensor => permute(reshape(y, [n, 1, h, d]), [0, 2, 1, 3]);
  const qkv = project(layer.norm1.call(x), attn.in_proj_weight as Tensor, attn.in_proj_bias);
  const [q, k, v] = split(qkv, e, -1);
  const [keys, values] = cache.append(index, heads(k), heads(v));
  // The newest query may see every cached position, itself included: no mask is needed.
  const mixed = scaledDotProductAttention(heads(q), keys, values);
  const merged = reshape(permute(mixed, [0, 2, 1, 3]), [n, 1, e]);
  const y = add(x, attn.out_proj.call(merged));
  const act = layer.activation as unknown as Module<[Tensor], Tensor>;
  const ff = layer.linear2.call(act.call(layer.linear1.call(layer.norm2.call(y))));
  return add(y, ff);
}

/**
 * Feeds one token per sequence (int32 [N]) at position `cache.length` and returns the logits of
 * the next token, [N, vocabSize]; the cache grows by one position. The same numbers as the full
 * forward pass's last position (the model must be in evaluation mode: no dropout).
 */
export function decodeStep(model: NamesGPT, tokens: Tensor, cache: KVCache): Tensor {
  if (tokens.ndim !== 1 || tokens.dtype !== 'int32')
    throw new ShapeError(
      `decodeStep: tokens must be int32 [N], got ${tokens.dtype} ${fmtShape(tokens.shape)}`,
    );
  if (cache.keys.length !== model.config.layers)
    throw new ValueError(
      `decodeStep: the cache has ${cache.keys.length} layers, the model ${model.config.layers}`,
    );
  if (cache.length >= model.config.context)
    throw new ValueError(`decodeStep: the cache is full (context ${model.config.context})`);
  const logits = withGradMode(false, () =>
    tidy(() => {
      let x = model.embed(reshape(tokens, [tokens.shape[0], 1]), cache.length);
      let i = 0;
      for (const layer of model.blocks) x = layerStep(layer, x, cache, i++);
      return reshape(model.readout(x), [tokens.shape[0], model.config.vocabSize]);
    }),
  );
  cache.length++;
  return logits;
}
