/**
 * train: the MNIST MLP (784-128-10) and a small CNN, batch 64, Adam(1e-3), on every nn backend
 * present and on tfjs-layers, same digits in the same order. Each impl first trains a throwaway
 * model for a few batches (JIT, kernel and shader compilation), then a fresh one is timed.
 */
import { type ProfileReport, startProfiler } from '@nn/tensor';
import { type Options, wanted } from '../cli.js';
import { epochOrder, loadMnist, type Split } from '../data/mnist.js';
import { loadNn } from '../impls/nn.js';
import { loadTfjs } from '../impls/tfjs.js';
import { findTorch, runTorch, scratchDir, TORCH_IMPL, type TorchImpl } from '../impls/torch.js';
import { loadNnApi, nnTrainer } from '../models/nn.js';
import { tfjsTrainer } from '../models/tfjs.js';
import { BATCH_SIZE, LEARNING_RATE, type ModelName, type TrainerFactory } from '../models/trainer.js';
import { reportProfile } from '../profile-report.js';
import { emit, note, reportSkips, type Skip, skipped, table } from '../report.js';
import { cpuMs, now, reason, stats } from '../timing.js';

const SEED = 42;
const WARMUP_BATCHES = 3;

function head(split: Split, n: number): Split {
  const size = Math.min(n, split.size);
  return { x: split.x.subarray(0, size * 784), y: split.y.subarray(0, size), size };
}

interface Profiled {
  readonly report: ProfileReport;
  readonly steps: number;
}

interface Trained {
  readonly secPerEpoch: number;
  readonly cpuSecPerEpoch: number;
  readonly accuracy: number;
  readonly profiled?: Profiled;
}

async function run(
  f: TrainerFactory,
  model: ModelName,
  data: { train: Split; test: Split },
  epochs: number,
  profile: boolean,
): Promise<Trained> {
  const warm = head(data.train, WARMUP_BATCHES * BATCH_SIZE);
  const w = await f.create(model, SEED);
  try {
    w.load?.(warm);
    await w.epoch(warm, epochOrder(warm.size, SEED));
  } finally {
    w.dispose();
  }
  const t = await f.create(model, SEED);
  try {
    t.load?.(data.train);
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
    const accuracy = await t.accuracy(data.test);
    let profiled: Profiled | undefined;
    if (profile && f.profiles) {
      // One more epoch, after the timed ones and the accuracy, so the profiler changes no figure.
      const prof = startProfiler();
      try {
        await t.epoch(data.train, epochOrder(data.train.size, SEED + epochs), prof);
      } finally {
        profiled = { report: prof.stop(), steps: Math.ceil(data.train.size / BATCH_SIZE) };
      }
    }
    return {
      secPerEpoch: stats(times).median,
      cpuSecPerEpoch: stats(cpu).median,
      accuracy,
      profiled,
    };
  } finally {
    t.dispose();
  }
}

/** The same epochs in PyTorch: the data, the per-epoch orders and the hyper-parameters. */
async function runTorchTrain(
  t: TorchImpl,
  model: ModelName,
  data: { train: Split; test: Split },
  epochs: number,
): Promise<{ secPerEpoch: number; cpuSecPerEpoch: number; accuracy: number }> {
  const scratch = scratchDir();
  try {
    scratch.write('x_train.f32', data.train.x);
    scratch.write('y_train.i32', data.train.y);
    scratch.write('x_test.f32', data.test.x);
    scratch.write('y_test.i32', data.test.y);
    for (let e = 0; e < epochs; e++) scratch.write(`order_${e}.i32`, epochOrder(data.train.size, SEED + e));
    const r = await runTorch(t, 'train', scratch.dir, {
      model,
      epochs,
      batch: BATCH_SIZE,
      lr: LEARNING_RATE,
      seed: SEED,
    });
    return {
      secPerEpoch: stats(r.secPerEpoch as number[]).median,
      cpuSecPerEpoch: stats(r.cpuSecPerEpoch as number[]).median,
      accuracy: r.accuracy as number,
    };
  } finally {
    scratch.done();
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
    else factories.push(...nn.impls.filter((i) => !i.impl.endsWith('-1t')).map(nnTrainer));
  }
  const tfjs = await loadTfjs(options);
  skips.push(...tfjs.skips);
  factories.push(...tfjs.impls.map(tfjsTrainer));
  let torch: TorchImpl | undefined;
  if (wanted(options, TORCH_IMPL)) {
    const t = findTorch();
    if ('reason' in t) skips.push({ impl: TORCH_IMPL, reason: t.reason });
    else torch = t;
  }
  reportSkips('train', skips);

  const data = loadMnist({ limit: options.limit });
  note(
    `train: ${data.train.size} training digits, ${data.test.size} test digits, batch ${BATCH_SIZE}, ${options.epochs} epoch(s)`,
  );
  const rows: (string | number)[][] = [];
  for (const model of options.models as ModelName[]) {
    const impls: { impl: string; train(): Promise<Trained> }[] = [];
    for (const f of factories) {
      const why = f.unsupported(model);
      if (why) skipped({ bench: 'train', impl: f.impl, model }, why);
      else impls.push({ impl: f.impl, train: () => run(f, model, data, options.epochs, options.profile) });
    }
    const t = torch;
    if (t) impls.push({ impl: t.impl, train: () => runTorchTrain(t, model, data, options.epochs) });
    for (const { impl, train } of impls) {
      try {
        const r = await train();
        emit({
          bench: 'train',
          impl,
          model,
          secPerEpoch: r.secPerEpoch,
          cpuSecPerEpoch: r.cpuSecPerEpoch,
          accuracy: r.accuracy,
          epochs: options.epochs,
          trainSize: data.train.size,
          testSize: data.test.size,
          batchSize: BATCH_SIZE,
        });
        rows.push([impl, model, r.secPerEpoch, (r.accuracy * 100).toFixed(2)]);
        if (r.profiled) reportProfile(impl, model, r.profiled.report, r.profiled.steps);
      } catch (e) {
        emit({ bench: 'train', impl, model, error: reason(e) });
        note(`train: ${impl} ${model} FAILED: ${reason(e)}`);
        rows.push([impl, model, 'failed', '-']);
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
