/**
 * train: the MNIST MLP (784-128-10) and a small CNN, batch 64, Adam(1e-3), on every nn backend
 * present and on tfjs-layers, same digits in the same order. Each impl first trains a throwaway
 * model for a few batches (JIT, kernel and shader compilation), then a fresh one is timed.
 */
import type { Options } from '../cli.js';
import { epochOrder, loadMnist, type Split } from '../data/mnist.js';
import { loadNn } from '../impls/nn.js';
import { loadTfjs } from '../impls/tfjs.js';
import { loadNnApi, nnTrainer } from '../models/nn.js';
import { tfjsTrainer } from '../models/tfjs.js';
import { BATCH_SIZE, type ModelName, type TrainerFactory } from '../models/trainer.js';
import { emit, note, reportSkips, type Skip, skipped, table } from '../report.js';
import { cpuMs, now, reason, stats } from '../timing.js';

const SEED = 42;
const WARMUP_BATCHES = 3;

function head(split: Split, n: number): Split {
  const size = Math.min(n, split.size);
  return { x: split.x.subarray(0, size * 784), y: split.y.subarray(0, size), size };
}

async function run(
  f: TrainerFactory,
  model: ModelName,
  data: { train: Split; test: Split },
  epochs: number,
): Promise<{ secPerEpoch: number; cpuSecPerEpoch: number; accuracy: number }> {
  const warm = head(data.train, WARMUP_BATCHES * BATCH_SIZE);
  const w = await f.create(model, SEED);
  try {
    await w.epoch(warm, epochOrder(warm.size, SEED));
  } finally {
    w.dispose();
  }
  const t = await f.create(model, SEED);
  try {
    const times: number[] = [];
    const cpu: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const order = epochOrder(data.train.size, SEED + e);
      const c0 = cpuMs();
      const t0 = now();
      await t.epoch(data.train, order);
      times.push((now() - t0) / 1000);
      cpu.push((cpuMs() - c0) / 1000);
    }
    return {
      secPerEpoch: stats(times).median,
      cpuSecPerEpoch: stats(cpu).median,
      accuracy: await t.accuracy(data.test),
    };
  } finally {
    t.dispose();
  }
}

export async function benchTrain(options: Options): Promise<boolean> {
  const skips: Skip[] = [];
  const factories: TrainerFactory[] = [];
  const nn = await loadNn(options);
  skips.push(...nn.skips);
  if (nn.impls.length) {
    const api = await loadNnApi();
    if (typeof api === 'string') for (const i of nn.impls) skips.push({ impl: i.impl, reason: api });
    else factories.push(...nn.impls.filter((i) => i.impl !== 'nn-wasm-1t').map(nnTrainer));
  }
  const tfjs = await loadTfjs(options);
  skips.push(...tfjs.skips);
  factories.push(...tfjs.impls.map(tfjsTrainer));
  reportSkips('train', skips);

  const data = loadMnist({ limit: options.limit });
  note(
    `train: ${data.train.size} training digits, ${data.test.size} test digits, batch ${BATCH_SIZE}, ${options.epochs} epoch(s)`,
  );
  const rows: (string | number)[][] = [];
  for (const model of options.models as ModelName[]) {
    for (const f of factories) {
      const why = f.unsupported(model);
      if (why) {
        skipped({ bench: 'train', impl: f.impl, model }, why);
        continue;
      }
      try {
        const r = await run(f, model, data, options.epochs);
        emit({
          bench: 'train',
          impl: f.impl,
          model,
          secPerEpoch: r.secPerEpoch,
          cpuSecPerEpoch: r.cpuSecPerEpoch,
          accuracy: r.accuracy,
          epochs: options.epochs,
          trainSize: data.train.size,
          testSize: data.test.size,
          batchSize: BATCH_SIZE,
        });
        rows.push([f.impl, model, r.secPerEpoch, (r.accuracy * 100).toFixed(2)]);
      } catch (e) {
        emit({ bench: 'train', impl: f.impl, model, error: reason(e) });
        note(`train: ${f.impl} ${model} FAILED: ${reason(e)}`);
        rows.push([f.impl, model, 'failed', '-']);
      }
    }
  }
  table(
    `train, ${data.train.size} digits per epoch, test on ${data.test.size}`,
    ['impl', 'model', 's/epoch', 'test acc %'],
    rows,
  );
  return true;
}
