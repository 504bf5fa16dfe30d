import {
  type AnyModule,
  LayerNorm,
  MultiheadAttention,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerLayerOptions,
} from '@nn/layers';
import type { Tensor } from '@nn/tensor';
import type { ModuleRefCase } from './cases.js';
import { runModuleCase } from './layers.js';

type Cfg = Record<string, unknown>;

const num = (v: unknown): number => v as number;
const orNull = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : (v as number);

/** The constructor arguments of an encoder or decoder layer, from the case config. */
function layerOptions(c: Cfg): [number, number, TransformerLayerOptions] {
  return [
    num(c.d_model),
    num(c.nhead),
    {
      dimFeedforward: num(c.dim_feedforward),
      dropout: num(c.dropout),
      activation: c.activation as 'relu' | 'gelu',
      layerNormEps: num(c.layer_norm_eps),
      batchFirst: c.batch_first as boolean,
      normFirst: c.norm_first as boolean,
    },
  ];
}

function finalNorm(c: Cfg): AnyModule | null {
  const n = c.norm as Cfg | null;
  if (!n) return null;
  return new LayerNorm(n.normalized_shape as number[], {
    eps: num(n.eps),
    elementwiseAffine: n.elementwise_affine as boolean,
  }) as unknown as AnyModule;
}

type Call = (m: AnyModule, t: Record<string, Tensor>, c: Cfg) => Record<string, Tensor>;
// biome-ignore lint/suspicious/noExplicitAny: each case calls its module with its own signature
const callOf = (m: AnyModule): ((...a: any[]) => any) =>
  (m as unknown as { call: (...a: unknown[]) => unknown }).call.bind(m);

/** PyTorch module name to ours: how to build it from the case config, and how to call it. */
const ATTENTION: Record<string, { make: (c: Cfg) => AnyModule; call: Call }> = {
  'nn.MultiheadAttention': {
    make: (c) =>
      new MultiheadAttention(num(c.embed_dim), num(c.num_heads), {
        dropout: num(c.dropout),
        bias: c.bias as boolean,
        addBiasKv: c.add_bias_kv as boolean,
        addZeroAttn: c.add_zero_attn as boolean,
        kdim: orNull(c.kdim),
        vdim: orNull(c.vdim),
        batchFirst: c.batch_first as boolean,
      }) as unknown as AnyModule,
    call: (m, t, c) => {
      const [output, weights] = callOf(m)(t.query ?? t.x, t.key ?? t.x, t.value ?? t.x, {
        keyPaddingMask: t.key_padding_mask,
        attnMask: t.attn_mask,
        needWeights: c.need_weights as boolean,
        averageAttnWeights: c.average_attn_weights as boolean,
      }) as [Tensor, Tensor | null];
      const outputs: Record<string, Tensor> = { output };
      if (weights) outputs.weights = weights;
      return outputs;
    },
  },
  'nn.TransformerEncoderLayer': {
    make: (c) => new TransformerEncoderLayer(...layerOptions(c)) as unknown as AnyModule,
    call: (m, t) => ({
      output: callOf(m)(t.src, { srcMask: t.src_mask, srcKeyPaddingMask: t.src_key_padding_mask }),
    }),
  },
  'nn.TransformerDecoderLayer': {
    make: (c) => new TransformerDecoderLayer(...layerOptions(c)) as unknown as AnyModule,
    call: (m, t) => ({
      output: callOf(m)(t.tgt, t.memory, {
        tgtMask: t.tgt_mask,
        memoryMask: t.memory_mask,
        tgtKeyPaddingMask: t.tgt_key_padding_mask,
        memoryKeyPaddingMask: t.memory_key_padding_mask,
      }),
    }),
  },
  'nn.TransformerEncoder': {
    make: (c) =>
      new TransformerEncoder(
        new TransformerEncoderLayer(...layerOptions(c.encoder_layer as Cfg)),
        num(c.num_layers),
        {
          norm: finalNorm(c),
        },
      ) as unknown as AnyModule,
    call: (m, t) => ({
      output: callOf(m)(t.src, { mask: t.mask, srcKeyPaddingMask: t.src_key_padding_mask }),
    }),
  },
  'nn.TransformerDecoder': {
    make: (c) =>
      new TransformerDecoder(
        new TransformerDecoderLayer(...layerOptions(c.decoder_layer as Cfg)),
        num(c.num_layers),
        {
          norm: finalNorm(c),
        },
      ) as unknown as AnyModule,
    call: (m, t) => ({
      output: callOf(m)(t.tgt, t.memory, {
        tgtMask: t.tgt_mask,
        memoryMask: t.memory_mask,
        tgtKeyPaddingMask: t.tgt_key_padding_mask,
        memoryKeyPaddingMask: t.memory_key_padding_mask,
      }),
    }),
  },
};

/**
 * Builds the attention module, loads the case's parameters strictly (so every state-dict key
 * must be PyTorch's), runs it, and compares outputs and the gradients of inputs (float masks
 * included) and parameters.
 */
export async function runAttentionCase(c: ModuleRefCase): Promise<string[]> {
  const entry = ATTENTION[c.op];
  if (!entry) return [`no attention module mapped for ${c.op}`];
  return runModuleCase(c, entry.make(c.config), (m, t) => entry.call(m, t, c.config));
}
