import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { wasm } from '@nn/backend-wasm';
import { CharVocabulary, loadNames } from '@nn/data';
import { manualSeed, memory, narrow, ShapeError, setBackend, tensor, use, ValueError } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/args.js';
import { lossChart } from '../src/chart.js';
import { NAMES_DEFAULTS, parseNamesArgs } from '../src/names/args.js';
import { decodeStep, KVCache } from '../src/names/kv-cache.js';
import { type GPTConfig, NamesGPT } from '../src/names/model.js';
import { sampleNames } from '../src/names/sample.js';
import { batchOrder, evaluateLoss, gatherBatch, lrFactor, nameRows, trainNames } from '../src/names/train.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
});

const vocab = CharVocabulary.fromTexts(['abc-xyz']);
const small = (over: Partial<GPTConfig> = {}): GPTConfig => ({
  vocabSize: vocab.size,
  context: 8,
  layers: 2,
  width: 16,
  heads: 4,
  feedforward: 32,
  dropout: 0,
  activation: 'relu',
  tieWeights: true,
  ...over,
});

describe('names GPT', () => {
  it('maps ids [N, L] to logits [N, L, vocab], each position blind to later ones', async () => {
    manualSeed(1);
    const model = new NamesGPT(small());
    model.eval();
    const a = tensor(new Int32Array([0, 1, 2, 3, 4]), { shape: [1, 5] });
    const b = tensor(new Int32Array([0, 1, 2, 7, 6]), { shape: [1, 5] });
    const [la, lb] = [model.call(a), model.call(b)];
    expect(la.shape).toEqual([1, 5, vocab.size]);
    // The first three positions see the same prefix; changing later tokens cannot change them.
    const head = (x: typeof la) => narrow(x, 1, 0, 3).data();
    const [ha, hb] = [await head(la), await head(lb)];
    for (let i = 0; i < ha.length; i++) expect(hb[i]).toBeCloseTo(ha[i], 5);
    expect(await narrow(la, 1, 4, 1).data()).not.toEqual(await narrow(lb, 1, 4, 1).data());
    for (const t of [a, b, la, lb, ...model.parameters()]) t.dispose();
  });

  it('ties the head to the token embedding (one parameter) unless asked not to', () => {
    const tied = new NamesGPT(small());
    const untied = new NamesGPT(small({ tieWeights: false }));
    expect(tied.head.weight).toBe(tied.tok_emb.weight);
    expect(untied.numParameters() - tied.numParameters()).toBe(vocab.size * 16);
    expect(Object.keys(tied.stateDict())).toContain('blocks.1.self_attn.in_proj_weight');
    for (const m of [tied, untied]) for (const p of m.parameters()) p.dispose();
  });

  it('rejects ids past the context and widths the heads do not divide', () => {
    const model = new NamesGPT(small());
    const ids = tensor(new Int32Array(9), { shape: [1, 9] });
    expect(() => model.call(ids)).toThrow(ShapeError);
    expect(() => model.call(ids)).toThrow('positions 0..8 exceed the context of 8');
    expect(() => new NamesGPT(small({ width: 18 }))).toThrow('width 18 must be divisible by heads 4');
    ids.dispose();
    for (const p of model.parameters()) p.dispose();
  });
});

describe('key/value cache', () => {
  it('gives the logits of the full forward pass, one position per step', async () => {
    manualSeed(2);
    for (const tieWeights of [true, false]) {
      const model = new NamesGPT(small({ tieWeights }));
      model.eval();
      const seq = [0, 3, 1, 4, 1, 5, 2, 6];
      const rows = [seq, [...seq].reverse()];
      const ids = tensor(Int32Array.from(rows.flat()), { shape: [2, 8] });
      const full = model.call(ids);
      const want = await full.data();
      const cache = new KVCache(2);
      const before = memory().numTensors;
      for (let t = 0; t < 8; t++) {
        const tokens = tensor(Int32Array.from(rows, (r) => r[t]));
        const logits = decodeStep(model, tokens, cache);
        expect(logits.shape).toEqual([2, vocab.size]);
        const got = await logits.data();
        for (let r = 0; r < 2; r++)
          for (let j = 0; j < vocab.size; j++)
            expect(got[r * vocab.size + j]).toBeCloseTo(want[(r * 8 + t) * vocab.size + j], 4);
        tokens.dispose();
        logits.dispose();
      }
      expect(cache.length).toBe(8);
      expect(cache.keys[1]?.shape).toEqual([2, 4, 8, 4]);
      // The cache holds a key and a value per layer, nothing else stays behind.
      expect(memory().numTensors - before).toBe(4);
      const one = tensor(new Int32Array([0, 0]));
      expect(() => decodeStep(model, one, cache)).toThrow('the cache is full (context 8)');
      cache.dispose();
      expect(memory().numTensors).toBe(before + 1); // `one`
      expect(() => decodeStep(model, one, new KVCache(3))).toThrow('the cache has 3 layers, the model 2');
      const bad = tensor(new Int32Array([0, 0]), { shape: [2, 1] });
      expect(() => decodeStep(model, bad, new KVCache(2))).toThrow(ShapeError);
      for (const t of [one, bad, ids, full, ...model.parameters()]) t.dispose();
    }
  });
});

describe('sampling', () => {
  it('draws the same names for the same seed, other names for another, ending at the boundary', async () => {
    manualSeed(3);
    const model = new NamesGPT(small());
    const a = await sampleNames(model, vocab, { count: 6, seed: 5, temperature: 1.5 });
    const b = await sampleNames(model, vocab, { count: 6, seed: 5, temperature: 1.5 });
    const c = await sampleNames(model, vocab, { count: 6, seed: 6, temperature: 1.5 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const name of a) {
      expect(name.length).toBeLessThanOrEqual(8);
      expect([...name].every((ch) => vocab.tokens.includes(ch) && ch !== '.')).toBe(true);
    }
    expect(model.training).toBe(true);
    await expect(sampleNames(model, vocab, { temperature: 0 })).rejects.toThrow(ValueError);
    await expect(sampleNames(model, CharVocabulary.fromTexts(['ab']))).rejects.toThrow(
      'the vocabulary has 3 tokens, the model 8',
    );
    for (const p of model.parameters()) p.dispose();
  });
});

describe('training helpers', () => {
  it('warms the lr up linearly, then decays it by a cosine to the floor', () => {
    const c = { steps: 110, warmup: 10, minLrRatio: 0.1 };
    expect(lrFactor(0, c)).toBeCloseTo(0.1);
    expect(lrFactor(9, c)).toBeCloseTo(1);
    expect(lrFactor(10, c)).toBeCloseTo(1);
    expect(lrFactor(60, c)).toBeCloseTo(0.55);
    expect(lrFactor(110, c)).toBeCloseTo(0.1);
  });

  it('draws every row once per epoch, in a seeded order', () => {
    const next = batchOrder(10, 4, 7);
    const epoch = [...next(), ...next(), ...next()].slice(0, 10);
    expect([...epoch].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...batchOrder(10, 4, 7)()]).toEqual(epoch.slice(0, 4));
    expect([...batchOrder(10, 4, 8)()]).not.toEqual(epoch.slice(0, 4));
  });

  it('cuts a batch to its longest name', async () => {
    const rows = nameRows(vocab, ['ab', 'abcz', 'c'], 8);
    const { x, y } = gatherBatch(rows, [0, 2]);
    expect(x.shape).toEqual([2, 3]);
    expect(Array.from(await x.data())).toEqual([0, 2, 3, 0, 4, 0]);
    expect(Array.from(await y.data())).toEqual([2, 3, 0, 4, 0, -100]);
    x.dispose();
    y.dispose();
  });
});

describe('names demo options', () => {
  it('reads its flags over the defaults and rejects bad ones', () => {
    expect(parseNamesArgs([])).toEqual(NAMES_DEFAULTS);
    expect(parseNamesArgs(['--help'])).toBeNull();
    expect(parseNamesArgs(['--', '--steps', '20', '--no-tie', '--lr=0.01'])).toMatchObject({
      steps: 20,
      tieWeights: false,
      lr: 0.01,
    });
    for (const argv of [
      ['--heads', '5'],
      ['--context', '12'],
      ['--steps', '0'],
      ['--temperature', '-1'],
      ['--x'],
    ])
      expect(() => parseNamesArgs(argv)).toThrow(UsageError);
    expect(() => parseNamesArgs(['--heads', '5'])).toThrow('--heads (5) must divide --width (64)');
  });

  it('charts losses against steps', () => {
    const svg = lossChart('names', [
      { label: 'train', values: [3, 2.5, 2.2], x: [25, 50, 75], color: '#111' },
      { label: 'validation', values: [2.4], x: [50], color: '#222' },
    ]);
    expect(svg).toContain('>step</text>');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });
});

describe('learning names', () => {
  it('a short run on the real names gets well below the bigram baseline (2.45 nats/char)', async () => {
    // On wasm, as the demo trains: the same run on cpu takes several times longer.
    use(await wasm());
    manualSeed(0);
    const { train, validation, vocabulary } = await loadNames();
    const model = new NamesGPT({
      vocabSize: vocabulary.size,
      context: 16,
      layers: 1,
      width: 32,
      heads: 4,
      feedforward: 64,
      dropout: 0,
      activation: 'relu',
      tieWeights: true,
    });
    const rows = nameRows(vocabulary, train, 16);
    const valRows = nameRows(vocabulary, validation, 16);
    const before = await evaluateLoss(model, valRows);
    expect(before).toBeGreaterThan(3.2); // about ln 28 = 3.33: nothing learned yet
    const r = await trainNames(
      model,
      rows,
      { steps: 250, batchSize: 64, lr: 1e-2, warmup: 20, minLrRatio: 0.1, weightDecay: 0.1, seed: 0 },
      () => {},
      50,
    );
    expect(r.losses.map(([s]) => s)).toEqual([50, 100, 150, 200, 250]);
    const after = await evaluateLoss(model, valRows);
    expect(after).toBeLessThan(2.35);
    for (const p of model.parameters()) p.dispose();
    setBackend('cpu');
  }, 120_000);
});
