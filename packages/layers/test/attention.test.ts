import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import {
  cat,
  DTypeError,
  manualSeed,
  memory,
  narrow,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  use,
  ValueError,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import {
  generateSquareSubsequentMask,
  LayerNorm,
  MultiheadAttention,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '../src/index.js';
import { gradcheckModule } from './helpers/check.js';

use(cpu());
installAutograd();
manualSeed(13);

const f64 = { dtype: 'float64' as const };
const x64 = (shape: number[]): Tensor => randn(shape, f64);
const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());
const close = (a: number[], b: number[], tol = 1e-5): boolean => a.every((v, i) => Math.abs(v - b[i]) <= tol);

describe('gradcheck (inputs and every parameter, float64)', () => {
  it('MultiheadAttention: kdim/vdim, masks, bias_k/bias_v, a zero key', async () => {
    const m = new MultiheadAttention(4, 2, {
      ...f64,
      kdim: 3,
      vdim: 5,
      addBiasKv: true,
      addZeroAttn: true,
      batchFirst: true,
    });
    const padding = tensor([
      [false, false, true],
      [false, false, false],
    ]);
    const r = await gradcheckModule(
      m,
      [x64([2, 2, 4]), x64([2, 3, 3]), x64([2, 3, 5]), x64([2, 3])],
      ([q, k, v, am]) => {
        const [out, w] = m.call(q, k, v, {
          attnMask: am,
          keyPaddingMask: padding,
          averageAttnWeights: false,
        });
        return [out, w as Tensor];
      },
    );
    expect(r.ok, r.message).toBe(true);
  }, 120_000);

  it('TransformerEncoderLayer (normFirst, gelu) and TransformerDecoderLayer (causal)', async () => {
    const enc = new TransformerEncoderLayer(4, 2, {
      ...f64,
      dimFeedforward: 6,
      dropout: 0,
      normFirst: true,
      activation: 'gelu',
    });
    const r1 = await gradcheckModule(enc, [x64([3, 2, 4])], ([src]) => enc.call(src, { isCausal: true }));
    expect(r1.ok, r1.message).toBe(true);
    const dec = new TransformerDecoderLayer(4, 2, {
      ...f64,
      dimFeedforward: 6,
      dropout: 0,
      batchFirst: true,
    });
    const r2 = await gradcheckModule(dec, [x64([2, 3, 4]), x64([2, 2, 4])], ([tgt, mem]) =>
      dec.call(tgt, mem, { tgtIsCausal: true }),
    );
    expect(r2.ok, r2.message).toBe(true);
  }, 120_000);
});

describe('MultiheadAttention', () => {
  it("has PyTorch's parameters, state-dict keys and init", async () => {
    const m = new MultiheadAttention(8, 2);
    expect(Object.keys(m.stateDict())).toEqual([
      'in_proj_weight',
      'in_proj_bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    expect(m.in_proj_weight?.shape).toEqual([24, 8]);
    expect(await values(m.in_proj_bias as Tensor)).toEqual(new Array(24).fill(0));
    expect(await values(m.out_proj.bias as Tensor)).toEqual(new Array(8).fill(0));
    // xavier-uniform over [3E, E]: bound sqrt(6 / (24 + 8))
    expect(Math.max(...(await values(m.in_proj_weight as Tensor)).map(Math.abs))).toBeLessThanOrEqual(
      Math.sqrt(6 / 32),
    );
    const split = new MultiheadAttention(8, 4, { kdim: 3, vdim: 5, bias: false, addBiasKv: true });
    expect(Object.keys(split.stateDict())).toEqual([
      'q_proj_weight',
      'k_proj_weight',
      'v_proj_weight',
      'bias_k',
      'bias_v',
      'out_proj.weight',
    ]);
    expect(split.k_proj_weight?.shape).toEqual([8, 3]);
    expect(split.bias_v?.shape).toEqual([1, 1, 8]);
  });

  it('returns [L, N, E] (or [N, L, E]) outputs and averaged or per-head weights', () => {
    const seqFirst = new MultiheadAttention(8, 2);
    const [out, w] = seqFirst.call(randn([5, 3, 8]), randn([7, 3, 8]), randn([7, 3, 8]));
    expect(out.shape).toEqual([5, 3, 8]);
    expect(w?.shape).toEqual([3, 5, 7]);
    const bf = new MultiheadAttention(8, 2, { batchFirst: true });
    const [o2, w2] = bf.call(randn([3, 5, 8]), randn([3, 7, 8]), randn([3, 7, 8]), {
      averageAttnWeights: false,
    });
    expect(o2.shape).toEqual([3, 5, 8]);
    expect(w2?.shape).toEqual([3, 2, 5, 7]);
    const [o3, w3] = bf.call(randn([5, 8]), randn([7, 8]), randn([7, 8]), { needWeights: false });
    expect(o3.shape).toEqual([5, 8]);
    expect(w3).toBeNull();
  });

  it('a causal mask keeps each position blind to later ones, and isCausal equals the explicit mask', async () => {
    const m = new MultiheadAttention(4, 2, { batchFirst: true });
    const seq = randn([1, 5, 4]);
    const [full] = m.call(seq, seq, seq, { isCausal: true });
    const prefix = narrow(seq, 1, 0, 3);
    const [short] = m.call(prefix, prefix, prefix, { isCausal: true });
    expect(close(await values(narrow(full, 1, 0, 3)), await values(short))).toBe(true);
    const [explicit, w] = m.call(seq, seq, seq, { attnMask: generateSquareSubsequentMask(5) });
    expect(close(await values(explicit), await values(full))).toBe(true);
    const weights = await values(w as Tensor);
    expect(weights[1 * 5 + 2]).toBe(0); // query 1 never sees key 2
  });

  it('a padded key changes nothing, whatever its values', async () => {
    const m = new MultiheadAttention(4, 1, { batchFirst: true });
    const q = randn([1, 2, 4]);
    const k = randn([1, 3, 4]);
    const other = cat([narrow(k, 1, 0, 2), randn([1, 1, 4])], 1);
    const pad = tensor([[false, false, true]]);
    const [a] = m.call(q, k, k, { keyPaddingMask: pad });
    const [b] = m.call(q, other, other, { keyPaddingMask: pad });
    expect(close(await values(a), await values(b))).toBe(true);
  });

  it('needWeights: false (scaledDotProductAttention) gives the output of the weights path, for every mask kind', async () => {
    const m = new MultiheadAttention(6, 3, { batchFirst: true, addBiasKv: true });
    const q = randn([2, 4, 6]);
    const kv = randn([2, 5, 6]);
    const boolAttn = tensor([
      [false, true, false, false, true],
      [false, false, true, false, false],
      [true, false, false, false, false],
      [false, false, false, true, false],
    ]);
    const floatAttn = randn([4, 5]);
    const boolPad = tensor([
      [false, false, false, true, true],
      [true, false, false, false, false],
    ]);
    const floatPad = randn([2, 5]);
    const cases = [
      {},
      { attnMask: boolAttn },
      { attnMask: floatAttn },
      { keyPaddingMask: boolPad },
      { attnMask: boolAttn, keyPaddingMask: boolPad },
      { attnMask: floatAttn, keyPaddingMask: boolPad },
      { attnMask: boolAttn, keyPaddingMask: floatPad },
    ];
    for (const options of cases) {
      const [withWeights] = m.call(q, kv, kv, options);
      const [fused, none] = m.call(q, kv, kv, { ...options, needWeights: false });
      expect(none).toBeNull();
      expect(
        close(await values(fused), await values(withWeights)),
        JSON.stringify(Object.keys(options)),
      ).toBe(true);
    }
    const [causal] = m.call(q, q, q, { isCausal: true, needWeights: false });
    const [explicit] = m.call(q, q, q, { attnMask: generateSquareSubsequentMask(4) });
    expect(close(await values(causal), await values(explicit))).toBe(true);
  });

  it('rejects bad input with typed errors and leaves memory as it was', () => {
    expect(() => new MultiheadAttention(6, 4)).toThrow(/divisible by numHeads/);
    const m = new MultiheadAttention(4, 2, { batchFirst: true });
    const q = randn([2, 3, 4]);
    const before = memory().numTensors;
    expect(() => m.call(q, randn([2, 5, 3]), randn([2, 5, 4]))).toThrow(ShapeError);
    expect(() => m.call(q, randn([3, 5, 4]), randn([3, 5, 4]))).toThrow(/batch size/);
    const kv = randn([2, 5, 4]);
    const mid = memory().numTensors;
    expect(() => m.call(q, kv, kv, { attnMask: randn([5, 3]) })).toThrow(
      /attnMask must be \[3, 5\] or \[4, 3, 5\]/,
    );
    expect(() => m.call(q, kv, kv, { keyPaddingMask: tensor([[1, 2, 3, 4, 5]]) })).toThrow(ShapeError);
    expect(() =>
      m.call(q, kv, kv, {
        keyPaddingMask: tensor(Int32Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), { shape: [2, 5] }),
      }),
    ).toThrow(DTypeError);
    expect(memory().numTensors - mid).toBe(3); // only the three masks this test made
    expect(mid - before).toBe(5); // the inputs it made, nothing more
  });
});

describe('Transformer layers and stacks', () => {
  it("encoder and decoder layers carry PyTorch's state-dict keys", () => {
    const enc = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    expect(Object.keys(enc.stateDict())).toEqual([
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'linear1.weight',
      'linear1.bias',
      'linear2.weight',
      'linear2.bias',
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
    ]);
    const dec = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    const keys = Object.keys(dec.stateDict());
    expect(keys.filter((k) => k.startsWith('multihead_attn.'))).toHaveLength(4);
    expect(keys.filter((k) => k.startsWith('norm3.'))).toEqual(['norm3.weight', 'norm3.bias']);
  });

  it('stacks copy the layer, then train the copies independently', async () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
    const enc = new TransformerEncoder(layer, 3, { norm: new LayerNorm(4) });
    const sd = enc.stateDict();
    expect(Object.keys(sd).filter((k) => k.endsWith('linear1.weight'))).toEqual([
      'layers.0.linear1.weight',
      'layers.1.linear1.weight',
      'layers.2.linear1.weight',
    ]);
    expect(Object.keys(sd)).toContain('norm.weight');
    expect(await values(sd['layers.2.linear1.weight'])).toEqual(await values(sd['layers.0.linear1.weight']));
    const params = enc.parameters();
    expect(new Set(params).size).toBe(params.length);
    const y = enc.call(randn([5, 2, 4]), { isCausal: true });
    expect(y.shape).toEqual([5, 2, 4]);
    y.sum().backward();
    expect(enc.parameters().every((p) => p.grad !== null)).toBe(true);
    const dec = new TransformerDecoder(
      new TransformerDecoderLayer(4, 2, { dimFeedforward: 8, batchFirst: true }),
      2,
    );
    expect(dec.call(randn([2, 5, 4]), randn([2, 3, 4]), { tgtIsCausal: true }).shape).toEqual([2, 5, 4]);
    expect(() => new TransformerEncoder(layer, 0)).toThrow(ValueError);
  });

  it('a forward and backward leave nothing behind but the output and the gradients', () => {
    const enc = new TransformerEncoder(
      new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }),
      2,
    );
    const dec = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true });
    const src = randn([2, 5, 8]);
    const padding = tensor([
      [false, false, false, false, true],
      [false, false, false, false, false],
    ]);
    const step = (): void => {
      const mem = enc.call(src, { isCausal: true, srcKeyPaddingMask: padding });
      const out = dec.call(src, mem, { tgtIsCausal: true });
      const sq = out.square();
      const loss = sq.mean();
      loss.backward();
      for (const t of [mem, out, sq, loss]) t.dispose();
      enc.zeroGrad();
      dec.zeroGrad();
    };
    step();
    const before = memory();
    step();
    step();
    const after = memory();
    expect({ tensors: after.numTensors, bytes: after.numBytes }).toEqual({
      tensors: before.numTensors,
      bytes: before.numBytes,
    });
  });

  it('state dicts round-trip, and a bad one changes nothing', async () => {
    const make = () =>
      new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 2, {
        norm: new LayerNorm(4),
      });
    const a = make();
    const b = make();
    const sd = a.stateDict();
    b.loadStateDict(sd);
    const got = b.stateDict();
    for (const k of Object.keys(sd)) expect(await values(got[k]), k).toEqual(await values(sd[k]));
    const bad = { ...make().stateDict(), 'layers.1.self_attn.in_proj_weight': randn([12, 5]) };
    expect(() => b.loadStateDict(bad)).toThrow(/layers.1.self_attn.in_proj_weight/);
    const now = b.stateDict();
    for (const k of Object.keys(sd)) expect(await values(now[k]), k).toEqual(await values(sd[k]));
    const mha = new MultiheadAttention(4, 2, { kdim: 3 });
    expect(() => mha.loadStateDict(new MultiheadAttention(4, 2).stateDict())).toThrow(
      /missing keys: q_proj_weight/,
    );
  });

  it('generateSquareSubsequentMask is -inf above the diagonal, 0 elsewhere', async () => {
    expect(await generateSquareSubsequentMask(3).array()).toEqual([
      [0, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      [0, 0, Number.NEGATIVE_INFINITY],
      [0, 0, 0],
    ]);
  });
});
