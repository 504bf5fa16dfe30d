/**
 * attention: forward + backward of one pre-norm `TransformerEncoderLayer` (batch 32, sequence 64,
 * width 128, 4 heads, feed-forward 512, causal) per impl, and the names GPT of `npm run demo --
 * names` in seconds per 100 training steps; TensorFlow.js runs both built from its ops
 * (models/attention-tfjs.ts), in the same process.
 */
import { loadNames } from '@nn/data';
import {
  batchArrays,
  batchOrder,
  gptConfigOf,
  NAMES_DEFAULTS,
  NamesGPT,
  nameRows,
  trainConfigOf,
  trainNames,
} from '@nn/demo/names';
import { TransformerEncoderLayer } from '@nn/layers';
import { SGD } from '@nn/optim';
import { manualSeed, sum, tensor, tidy } from '@nn/tensor';
import type { Options } from '../cli.js';
import { loadNn, type NnImpl } from '../impls/nn.js';
import { loadTfjs, type TfjsImpl } from '../impls/tfjs.js';
import {
  causalMask,
  encoderLayer,
  gptLoss,
  gptVariables,
  layerVariables,
  tfEncoderLayer,
  tfNamesGPT,
} from '../models/attention-tfjs.js';
import { emit, note, reportSkips, table } from '../report.js';
import { uniformArray } from '../rng.js';
import { reason, type Timing, timeIt } from '../timing.js';

export const LAYER = { batch: 32, seq: 64, width: 128, heads: 4, feedforward: 512 } as const;
/** Steps timed for the names model (after WARM_STEPS untimed ones). */
export const NAMES_STEPS = 100;
const WARM_STEPS = 10;

type LayerRun = () => Promise<void>;

/** nn: sum of the layer's output, backward; resolves once the first layer norm's gradient is read. */
function nnLayer(impl: NnImpl, input: Float32Array): { run: LayerRun; release(): void } {
  impl.activate();
  manualSeed(0);
  const { batch, seq, width, heads, feedforward } = LAYER;
  const layer = new TransformerEncoderLayer(width, heads, {
    dimFeedforward: feedforward,
    dropout: 0,
    batchFirst: true,
    normFirst: true,
    backend: impl.backend,
  });
  const params = layer.parameters();
  const grads = new SGD(params, { lr: 0 });
  const x = tensor(input, { shape: [batch, seq, width], backend: impl.backend });
  return {
    async run() {
      impl.activate();
      tidy(() => {
        grads.zeroGrad();
        sum(layer.call(x, { isCausal: true })).backward();
        return null;
      });
      // The last gradient the backward pass makes: reading it waits for the whole pass.
      await layer.norm1.weight?.grad?.data();
    },
    release() {
      grads.zeroGrad();
      x.dispose();
      for (const p of params) p.dispose();
    },
  };
}

function tfLayer(impl: TfjsImpl, input: Float32Array): { run: LayerRun; release(): void } {
  const tf = impl.tf;
  const { batch, seq, width, heads, feedforward } = LAYER;
  const p = tfEncoderLayer(tf, width, heads, feedforward, 0);
  const vars = layerVariables(p);
  const x = tf.tensor(input, [batch, seq, width]);
  const mask = causalMask(tf, seq);
  return {
    async run() {
      await impl.activate();
      const { value, grads } = tf.variableGrads(() => tf.sum(encoderLayer(tf, p, x, mask)), vars);
      await grads[vars[8].name].data();
      value.dispose();
      tf.dispose(Object.values(grads));
    },
    release() {
      tf.dispose([x, mask, ...vars]);
    },
  };
}

/** Seconds per NAMES_STEPS steps of the demo's default names GPT and training, on an nn impl. */
async function nnNames(impl: NnImpl, names: Awaited<ReturnType<typeof loadNames>>): Promise<number> {
  impl.activate();
  manualSeed(0);
  const o = NAMES_DEFAULTS;
  const model = new NamesGPT(gptConfigOf(o, names.vocabulary.size));
  const rows = nameRows(names.vocabulary, names.train, o.context);
  try {
    await trainNames(model, rows, { ...trainConfigOf(o), steps: WARM_STEPS });
    const r = await trainNames(model, rows, { ...trainConfigOf(o), steps: NAMES_STEPS });
    return r.seconds;
  } finally {
    for (const p of model.parameters()) p.dispose();
  }
}

/** The same model, batches and Adam steps in TensorFlow.js (constant lr, no weight decay: tf.train.adam). */
async function tfNames(impl: TfjsImpl, names: Awaited<ReturnType<typeof loadNames>>): Promise<number> {
  await impl.activate();
  const tf = impl.tf;
  const o = NAMES_DEFAULTS;
  const m = tfNamesGPT(tf, gptConfigOf(o, names.vocabulary.size), 0);
  const vars = gptVariables(m);
  const rows = nameRows(names.vocabulary, names.train, o.context);
  const next = batchOrder(rows.n, o.batchSize, o.seed);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.99);
  const masks = new Map<number, ReturnType<typeof causalMask>>();
  const step = async (read: boolean): Promise<void> => {
    const b = batchArrays(rows, next());
    const len = b.shape[1];
    if (!masks.has(len)) masks.set(len, causalMask(tf, len));
    const mask = masks.get(len) as ReturnType<typeof causalMask>;
    const x = tf.tensor(b.x, b.shape, 'int32');
    const y = tf.tensor(b.y, b.shape, 'int32');
    const cost = optimizer.minimize(() => gptLoss(tf, m, x, y, mask) as never, read, vars);
    if (cost) {
      await cost.data();
      cost.dispose();
    }
    tf.dispose([x, y]);
  };
  try {
    for (let s = 0; s < WARM_STEPS; s++) await step(s === WARM_STEPS - 1);
    const t0 = performance.now();
    // As nn's loop: the loss is read back every 25 steps and after the last.
    for (let s = 1; s <= NAMES_STEPS; s++) await step(s % 25 === 0 || s === NAMES_STEPS);
    return (performance.now() - t0) / 1000;
  } finally {
    optimizer.dispose();
    tf.dispose([...vars, ...masks.values()]);
  }
}

export async function benchAttention(options: Options): Promise<boolean> {
  const nn = await loadNn(options);
  const tfjs = await loadTfjs(options);
  reportSkips('attention', [...nn.skips, ...tfjs.skips]);
  const { batch, seq, width, heads, feedforward } = LAYER;
  const input = uniformArray(batch * seq * width, 4242);
  const layerRows: (string | number)[][] = [];
  const makers: [string, () => { run: LayerRun; release(): void }][] = [
    ...nn.impls.map((i): [string, () => { run: LayerRun; release(): void }] => [
      i.impl,
      () => nnLayer(i, input),
    ]),
    ...tfjs.impls.map((i): [string, () => { run: LayerRun; release(): void }] => [
      i.impl,
      () => tfLayer(i, input),
    ]),
  ];
  for (const [impl, make] of makers) {
    let r: { run: LayerRun; release(): void } | undefined;
    try {
      r = make();
      const t: Timing = await timeIt(r.run, options.warmup, options.samples);
      emit({
        bench: 'attention',
        case: 'encoder-layer',
        impl,
        batch,
        seq,
        width,
        heads,
        feedforward,
        ms: t.median,
        min: t.min,
        max: t.max,
        cpuMs: t.cpu.median,
        samples: options.samples,
      });
      layerRows.push([impl, t.median, t.min, t.cpu.median]);
    } catch (e) {
      emit({ bench: 'attention', case: 'encoder-layer', impl, error: reason(e) });
    } finally {
      r?.release();
    }
  }
  table(
    `TransformerEncoderLayer forward + backward (batch ${batch}, seq ${seq}, width ${width}, ${heads} heads, ff ${feedforward}, causal, pre-norm), ms`,
    ['impl', 'median', 'min', 'cpu ms'],
    layerRows,
  );

  let names: Awaited<ReturnType<typeof loadNames>>;
  try {
    names = await loadNames();
  } catch (e) {
    note(`attention: names model skipped: ${reason(e)}`);
    return true;
  }
  const nameRowsOut: (string | number)[][] = [];
  const trainers: [string, () => Promise<number>][] = [
    ...nn.impls.map((i): [string, () => Promise<number>] => [i.impl, () => nnNames(i, names)]),
    ...tfjs.impls.map((i): [string, () => Promise<number>] => [i.impl, () => tfNames(i, names)]),
  ];
  for (const [impl, train] of trainers) {
    try {
      const seconds = await train();
      emit({ bench: 'attention', case: 'names-gpt', impl, steps: NAMES_STEPS, seconds });
      nameRowsOut.push([impl, seconds]);
    } catch (e) {
      emit({ bench: 'attention', case: 'names-gpt', impl, error: reason(e) });
    }
  }
  const o = NAMES_DEFAULTS;
  table(
    `names GPT training (${o.layers} layers, width ${o.width}, ${o.heads} heads, ff ${o.feedforward}, batch ${o.batchSize}), seconds per ${NAMES_STEPS} steps`,
    ['impl', 'seconds'],
    nameRowsOut,
  );
  return true;
}
