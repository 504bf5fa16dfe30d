// A small GPT for names: token + learned position embeddings, pre-norm causal encoder layers,
// a final LayerNorm and a linear head (optionally tied to the token embedding).
import { Embedding, init, LayerNorm, Linear, Module, ModuleList, TransformerEncoderLayer } from '@nn/layers';
import { add, arange, fmtShape, ShapeError, type Tensor, ValueError } from '@nn/tensor';

/** The architecture of a `NamesGPT`; everything needed to build the same model elsewhere. */
export interface GPTConfig {
  /** Tokens, the boundary `.` included. */
  vocabSize: number;
  /** Longest input the position table covers. */
  context: number;
  layers: number;
  width: number;
  heads: number;
  /** Width of each layer's feed-forward block. */
  feedforward: number;
  dropout: number;
  /** Activation of the feed-forward blocks. */
  activation: 'relu' | 'gelu';
  /** The output head shares the token embedding's weight. */
  tieWeights: boolean;
}

/**
 * Decoder-only transformer over character ids: `call(x)` maps int32 ids [N, L] (L <= context)
 * to next-token logits [N, L, vocabSize], each position seeing only itself and earlier ones.
 * State-dict keys: `tok_emb.weight`, `pos_emb.weight`, `blocks.0.self_attn.in_proj_weight`, ...,
 * `ln_f.*`, `head.weight`.
 */
export class NamesGPT extends Module<[Tensor], Tensor> {
  readonly config: GPTConfig;
  tok_emb: Embedding;
  pos_emb: Embedding;
  blocks: ModuleList<TransformerEncoderLayer>;
  ln_f: LayerNorm;
  head: Linear;

  constructor(config: GPTConfig) {
    super();
    if (config.width % config.heads !== 0)
      throw new ValueError(`NamesGPT: width ${config.width} must be divisible by heads ${config.heads}`);
    this.config = { ...config };
    const { vocabSize, context, width } = config;
    this.tok_emb = new Embedding(vocabSize, width);
    this.pos_emb = new Embedding(context, width);
    // GPT-2's initialisation: small embeddings keep the first steps' logits near uniform.
    init.normal(this.tok_emb.weight, 0, 0.02);
    init.normal(this.pos_emb.weight, 0, 0.02);
    this.blocks = new ModuleList<TransformerEncoderLayer>();
    for (let i = 0; i < config.layers; i++) {
      this.blocks.append(
        new TransformerEncoderLayer(width, config.heads, {
          dimFeedforward: config.feedforward,
          dropout: config.dropout,
          activation: config.activation,
          batchFirst: true,
          normFirst: true,
        }),
      );
    }
    this.ln_f = new LayerNorm(width);
    this.head = new Linear(width, vocabSize, { bias: false });
    if (config.tieWeights) {
      this.head.weight.dispose();
      this.head.weight = this.tok_emb.weight;
    } else {
      init.normal(this.head.weight, 0, 0.02);
    }
  }

  /** Token plus position embedding of ids [N, L] starting at position `start`. */
  embed(ids: Tensor, start = 0): Tensor {
    const l = ids.shape[1];
    if (ids.ndim !== 2 || ids.dtype !== 'int32')
      throw new ShapeError(`NamesGPT: ids must be int32 [N, L], got ${ids.dtype} ${fmtShape(ids.shape)}`);
    if (start + l > this.config.context)
      throw new ShapeError(
        `NamesGPT: positions ${start}..${start + l - 1} exceed the context of ${this.config.context}`,
      );
    const tok = this.tok_emb.call(ids);
    const positions = arange(start, start + l, 1, { dtype: 'int32', backend: ids.backendName });
    const pos = this.pos_emb.call(positions);
    const x = add(tok, pos);
    tok.dispose();
    positions.dispose();
    pos.dispose();
    return x;
  }

  /** Final norm and output head: [N, L, width] to logits [N, L, vocabSize]; frees h. */
  readout(h: Tensor): Tensor {
    const n = this.ln_f.call(h);
    h.dispose();
    const logits = this.head.call(n);
    n.dispose();
    return logits;
  }

  forward(ids: Tensor): Tensor {
    let x = this.embed(ids);
    for (const block of this.blocks) {
      const y = block.call(x, { isCausal: true });
      x.dispose();
      x = y;
    }
    return this.readout(x);
  }
}
