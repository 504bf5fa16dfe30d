// The TensorFlow.js side of `pnpm bench attention` must compute what nn computes, or the
// comparison means nothing: same weights in, same numbers out.
import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { CharVocabulary } from '@nn/data';
import { batchArrays, lossOf, NamesGPT, nameRows } from '@nn/demo/names';
import { TransformerEncoderLayer } from '@nn/layers';
import { manualSeed, type Tensor, tensor, use } from '@nn/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import {
  causalMask,
  encoderLayer,
  gptLoss,
  type TfEncoderLayer,
  tfEncoderLayer,
  tfNamesGPT,
} from '../src/models/attention-tfjs.js';
import { uniformArray } from '../src/rng.js';

beforeAll(async () => {
  use(cpu());
  installAutograd();
  await tf.setBackend('cpu');
});

type Variable = ReturnType<typeof tf.variable>;

async function copy(to: Variable, from: Tensor | null): Promise<void> {
  if (!from) throw new Error('missing parameter');
  to.assign(tf.tensor(await from.data(), to.shape));
}

async function copyLayer(p: TfEncoderLayer, l: TransformerEncoderLayer): Promise<void> {
  await copy(p.inProjW, l.self_attn.in_proj_weight);
  await copy(p.inProjB, l.self_attn.in_proj_bias);
  await copy(p.outW, l.self_attn.out_proj.weight);
  await copy(p.outB, l.self_attn.out_proj.bias);
  await copy(p.w1, l.linear1.weight);
  await copy(p.b1, l.linear1.bias);
  await copy(p.w2, l.linear2.weight);
  await copy(p.b2, l.linear2.bias);
  await copy(p.ln1g, l.norm1.weight);
  await copy(p.ln1b, l.norm1.bias);
  await copy(p.ln2g, l.norm2.weight);
  await copy(p.ln2b, l.norm2.bias);
}

describe('attention bench models', () => {
  it('the TensorFlow.js encoder layer matches nn (pre-norm, causal)', async () => {
    manualSeed(0);
    const [n, l, e, h, ff] = [2, 5, 8, 2, 16];
    const layer = new TransformerEncoderLayer(e, h, {
      dimFeedforward: ff,
      dropout: 0,
      batchFirst: true,
      normFirst: true,
    });
    const p = tfEncoderLayer(tf, e, h, ff, 1);
    await copyLayer(p, layer);
    const input = uniformArray(n * l * e, 9);
    const want = await layer.call(tensor(input, { shape: [n, l, e] }), { isCausal: true }).data();
    const got = await encoderLayer(tf, p, tf.tensor(input, [n, l, e]), causalMask(tf, l)).data();
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
  });

  it('the TensorFlow.js names GPT has nn’s loss for the same weights and batch', async () => {
    manualSeed(0);
    const vocab = CharVocabulary.fromTexts(['abcdefg']);
    const c = { vocabSize: vocab.size, context: 8, layers: 2, width: 8, heads: 2, feedforward: 16 };
    const model = new NamesGPT({ ...c, dropout: 0, activation: 'relu', tieWeights: true });
    const m = tfNamesGPT(tf, c, 3);
    await copy(m.tokEmb, model.tok_emb.weight);
    await copy(m.posEmb, model.pos_emb.weight);
    await copy(m.lnfG, model.ln_f.weight);
    await copy(m.lnfB, model.ln_f.bias);
    let i = 0;
    for (const block of model.blocks) await copyLayer(m.layers[i++], block);
    const rows = nameRows(vocab, ['abc', 'gfedcba', 'e'], 8);
    const b = batchArrays(rows, [0, 1, 2]);
    const want = await lossOf(model, tensor(b.x, { shape: b.shape }), tensor(b.y, { shape: b.shape })).item();
    const x = tf.tensor(b.x, b.shape, 'int32');
    const y = tf.tensor(b.y, b.shape, 'int32');
    const got = (await gptLoss(tf, m, x, y, causalMask(tf, b.shape[1])).data())[0];
    expect(got).toBeCloseTo(want, 4);
  });
});
