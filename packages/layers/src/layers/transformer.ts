import { add, fmtShape, full, ShapeError, type Tensor, triu, ValueError } from '@nn/tensor';
import { ModuleList } from '../containers.js';
import { type AnyModule, Module } from '../module.js';
import { type Activation, activationModule } from './activation.js';
import { MultiheadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';
import { type FactoryOptions, positiveInt } from './util.js';

/** Options of `TransformerEncoderLayer` / `TransformerDecoderLayer` (PyTorch's defaults). */
export interface TransformerLayerOptions extends FactoryOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** 'relu' (default), 'gelu', another activation name, or a module. */
  activation?: Activation;
  layerNormEps?: number;
  /** Inputs and outputs are [N, L, E] (default false: [L, N, E]). */
  batchFirst?: boolean;
  /** LayerNorm before each block (pre-norm, as GPT-2) instead of after (default false). */
  normFirst?: boolean;
}

/** Masks of one encoder layer or encoder call (see `MultiheadAttention`). */
export interface EncoderCallOptions {
  /** [L, L] or [N * nhead, L, L]: bool (true = may not attend) or float (added). */
  srcMask?: Tensor | null;
  /** Shape [N, L]; an element set to true marks a padded position. */
  srcKeyPaddingMask?: Tensor | null;
  /** Without srcMask: position i attends only to positions <= i. */
  isCausal?: boolean;
}

/** Masks of one decoder layer or decoder call. */
export interface DecoderCallOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  /** Without tgtMask: target position i attends only to target positions <= i. */
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

/**
 * The float causal mask of PyTorch's `Transformer.generate_square_subsequent_mask`: [sz, sz],
 * -inf above the diagonal (query i may not see key j > i), 0 elsewhere.
 */
export function generateSquareSubsequentMask(sz: number, options: FactoryOptions = {}): Tensor {
  positiveInt('generateSquareSubsequentMask', 'sz', sz);
  const all = full([sz, sz], Number.NEGATIVE_INFINITY, {
    dtype: options.dtype ?? 'float32',
    backend: options.backend,
  });
  const mask = triu(all, 1);
  all.dispose();
  return mask;
}

/** `a + b`, freeing b (a block's output) and a unless it is the layer's input. */
function residual(a: Tensor, b: Tensor, input: Tensor): Tensor {
  const y = add(a, b);
  b.dispose();
  if (a !== input) a.dispose();
  return y;
}

/** `m(x)`, freeing x unless it is the layer's input. */
function through(m: Module, x: Tensor, input: Tensor): Tensor {
  const y = m.call(x);
  if (x !== input) x.dispose();
  return y;
}

/** What both layers share: the feed-forward block and the settings. */
abstract class TransformerLayerBase<In extends unknown[]> extends Module<In, Tensor> {
  protected constructor(
    readonly dModel: number,
    readonly nhead: number,
    protected readonly options: TransformerLayerOptions,
  ) {
    super();
  }
  get normFirst(): boolean {
    return this.options.normFirst ?? false;
  }
  get batchFirst(): boolean {
    return this.options.batchFirst ?? false;
  }

  /** linear2(dropout(activation(linear1(x)))), then the block's dropout. */
  protected feedForward(x: Tensor, after: Dropout): Tensor {
    const self = this as unknown as {
      linear1: Linear;
      linear2: Linear;
      dropout: Dropout;
      activation: Module;
    };
    let y = self.linear1.call(x);
    y = through(self.activation, y, x);
    y = through(self.dropout, y, x);
    y = through(self.linear2, y, x);
    return through(after, y, x);
  }

  /** A layer with the same settings and a copy of this layer's values (how the stacks repeat a layer). */
  clone(): this {
    const C = this.constructor as new (d: number, h: number, o: TransformerLayerOptions) => this;
    const copy = new C(this.dModel, this.nhead, this.options);
    const sd = this.stateDict();
    copy.loadStateDict(sd);
    for (const v of Object.values(sd)) v.dispose();
    copy.train(this.training);
    return copy;
  }

  protected override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, normFirst=${this.normFirst}, batchFirst=${this.batchFirst}`;
  }
}

function layerParts(op: string, dModel: number, nhead: number, o: TransformerLayerOptions) {
  positiveInt(op, 'dModel', dModel);
  positiveInt(op, 'nhead', nhead);
  const ff = positiveInt(op, 'dimFeedforward', o.dimFeedforward ?? 2048);
  const p = o.dropout ?? 0.1;
  const eps = o.layerNormEps ?? 1e-5;
  const f = { dtype: o.dtype, backend: o.backend };
  const attention = () =>
    new MultiheadAttention(dModel, nhead, { ...f, dropout: p, batchFirst: o.batchFirst ?? false });
  return {
    attention,
    linear1: () => new Linear(dModel, ff, f),
    linear2: () => new Linear(ff, dModel, f),
    norm: () => new LayerNorm(dModel, { ...f, eps }),
    dropout: () => new Dropout(p),
    activation: () => activationModule(op, o.activation ?? 'relu'),
  };
}

/**
 * One encoder layer of "Attention Is All You Need", as PyTorch's nn.TransformerEncoderLayer
 * (same submodules and state-dict keys: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`,
 * `norm2.*`): self-attention and a feed-forward block, each with a residual connection and a
 * LayerNorm after it, or before it with `normFirst`.
 */
export class TransformerEncoderLayer extends TransformerLayerBase<[Tensor, EncoderCallOptions?]> {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: AnyModule;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super(dModel, nhead, { ...options });
    const p = layerParts('TransformerEncoderLayer', dModel, nhead, options);
    this.self_attn = p.attention();
    this.linear1 = p.linear1();
    this.dropout = p.dropout();
    this.linear2 = p.linear2();
    this.norm1 = p.norm();
    this.norm2 = p.norm();
    this.dropout1 = p.dropout();
    this.dropout2 = p.dropout();
    this.activation = p.activation() as unknown as AnyModule;
  }

  #selfAttention(x: Tensor, o: EncoderCallOptions): Tensor {
    const [y] = this.self_attn.call(x, x, x, {
      attnMask: o.srcMask,
      keyPaddingMask: o.srcKeyPaddingMask,
      isCausal: o.isCausal,
      needWeights: false,
    });
    return through(this.dropout1, y, x);
  }

  forward(src: Tensor, options: EncoderCallOptions = {}): Tensor {
    let x = src;
    if (this.normFirst) {
      const n1 = this.norm1.call(x);
      x = residual(x, this.#selfAttention(n1, options), src);
      n1.dispose();
      const n2 = this.norm2.call(x);
      x = residual(x, this.feedForward(n2, this.dropout2), src);
      n2.dispose();
      return x;
    }
    x = through(this.norm1, residual(x, this.#selfAttention(x, options), src), src);
    return through(this.norm2, residual(x, this.feedForward(x, this.dropout2), src), src);
  }
}

/**
 * One decoder layer, as PyTorch's nn.TransformerDecoderLayer (`self_attn.*`, `multihead_attn.*`,
 * `linear1.*`, `linear2.*`, `norm1.*`..`norm3.*`): masked self-attention, attention over the
 * encoder's `memory`, and a feed-forward block, each with a residual connection and a LayerNorm.
 */
export class TransformerDecoderLayer extends TransformerLayerBase<[Tensor, Tensor, DecoderCallOptions?]> {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: AnyModule;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super(dModel, nhead, { ...options });
    const p = layerParts('TransformerDecoderLayer', dModel, nhead, options);
    this.self_attn = p.attention();
    this.multihead_attn = p.attention();
    this.linear1 = p.linear1();
    this.dropout = p.dropout();
    this.linear2 = p.linear2();
    this.norm1 = p.norm();
    this.norm2 = p.norm();
    this.norm3 = p.norm();
    this.dropout1 = p.dropout();
    this.dropout2 = p.dropout();
    this.dropout3 = p.dropout();
    this.activation = p.activation() as unknown as AnyModule;
  }

  #selfAttention(x: Tensor, o: DecoderCallOptions): Tensor {
    const [y] = this.self_attn.call(x, x, x, {
      attnMask: o.tgtMask,
      keyPaddingMask: o.tgtKeyPaddingMask,
      isCausal: o.tgtIsCausal,
      needWeights: false,
    });
    return through(this.dropout1, y, x);
  }

  #crossAttention(x: Tensor, memory: Tensor, o: DecoderCallOptions): Tensor {
    const [y] = this.multihead_attn.call(x, memory, memory, {
      attnMask: o.memoryMask,
      keyPaddingMask: o.memoryKeyPaddingMask,
      isCausal: o.memoryIsCausal,
      needWeights: false,
    });
    return through(this.dropout2, y, x);
  }

  forward(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    let x = tgt;
    if (this.normFirst) {
      const n1 = this.norm1.call(x);
      x = residual(x, this.#selfAttention(n1, options), tgt);
      n1.dispose();
      const n2 = this.norm2.call(x);
      x = residual(x, this.#crossAttention(n2, memory, options), tgt);
      n2.dispose();
      const n3 = this.norm3.call(x);
      x = residual(x, this.feedForward(n3, this.dropout3), tgt);
      n3.dispose();
      return x;
    }
    x = through(this.norm1, residual(x, this.#selfAttention(x, options), tgt), tgt);
    x = through(this.norm2, residual(x, this.#crossAttention(x, memory, options), tgt), tgt);
    return through(this.norm3, residual(x, this.feedForward(x, this.dropout3), tgt), tgt);
  }
}

/** Masks of one `TransformerEncoder` call (PyTorch's `mask`, `src_key_padding_mask`). */
export interface EncoderStackCallOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/** Options of the stacks: a final normalization (PyTorch's `norm`). */
export interface TransformerStackOptions {
  /** Applied to the last layer's output, e.g. `new LayerNorm(dModel)` (pre-norm stacks need it). */
  norm?: AnyModule | null;
}

/** `numLayers` copies of `layer`: the layer itself first, then clones with its values, as PyTorch deep-copies it. */
function stack<L extends TransformerEncoderLayer | TransformerDecoderLayer>(
  op: string,
  layer: L,
  numLayers: number,
): ModuleList<AnyModule> {
  positiveInt(op, 'numLayers', numLayers);
  const list = new ModuleList<AnyModule>();
  list.append(layer as unknown as AnyModule);
  for (let i = 1; i < numLayers; i++) list.append(layer.clone() as unknown as AnyModule);
  return list;
}

/**
 * A stack of encoder layers and an optional final norm, as PyTorch's nn.TransformerEncoder:
 * state-dict keys `layers.0.self_attn.in_proj_weight`, ..., `norm.weight`. Every layer starts
 * with the given layer's values (it becomes `layers.0`).
 */
export class TransformerEncoder extends Module<[Tensor, EncoderStackCallOptions?], Tensor> {
  layers: ModuleList<AnyModule>;
  norm: AnyModule | null;
  readonly numLayers: number;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer))
      throw new ValueError('TransformerEncoder: encoderLayer must be a TransformerEncoderLayer');
    this.layers = stack('TransformerEncoder', encoderLayer, numLayers);
    this.norm = options.norm ?? null;
    this.numLayers = numLayers;
  }

  forward(src: Tensor, options: EncoderStackCallOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers as unknown as Iterable<TransformerEncoderLayer>) {
      const y = layer.call(x, {
        srcMask: options.mask,
        srcKeyPaddingMask: options.srcKeyPaddingMask,
        isCausal: options.isCausal,
      });
      if (x !== src) x.dispose();
      x = y;
    }
    return this.norm ? through(this.norm as unknown as Module, x, src) : x;
  }
}

/** A stack of decoder layers and an optional final norm, as PyTorch's nn.TransformerDecoder. */
export class TransformerDecoder extends Module<[Tensor, Tensor, DecoderCallOptions?], Tensor> {
  layers: ModuleList<AnyModule>;
  norm: AnyModule | null;
  readonly numLayers: number;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    if (!(decoderLayer instanceof TransformerDecoderLayer))
      throw new ValueError('TransformerDecoder: decoderLayer must be a TransformerDecoderLayer');
    this.layers = stack('TransformerDecoder', decoderLayer, numLayers);
    this.norm = options.norm ?? null;
    this.numLayers = numLayers;
  }

  forward(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    if (memory.ndim !== tgt.ndim)
      throw new ShapeError(
        `TransformerDecoder: memory ${fmtShape(memory.shape)} and tgt ${fmtShape(tgt.shape)} must have one rank`,
      );
    let x = tgt;
    for (const layer of this.layers as unknown as Iterable<TransformerDecoderLayer>) {
      const y = layer.call(x, memory, options);
      if (x !== tgt) x.dispose();
      x = y;
    }
    return this.norm ? through(this.norm as unknown as Module, x, tgt) : x;
  }
}
