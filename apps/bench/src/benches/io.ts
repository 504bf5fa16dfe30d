/**
 * io: model files and exported models.
 * - `onnx`: batch-1 and batch-64 inference of the demo's CNN in nn (each backend) against the same
 *   model exported with `exportOnnx` and run in onnxruntime-web (wasm), in this process, on the
 *   same inputs; every impl's logits are checked against nn-cpu's first.
 * - `load`: loading a 100 MiB safetensors file (25 float32 tensors of 4 MiB), from a path and from
 *   bytes in memory, each in a fresh child process that reports the load time and the growth of
 *   its peak resident memory (ideally the tensors' 100 MiB: the bytes are copied once, by upload).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportOnnx, writeFileAtomic, writeSafetensors } from '@nn/io';
import { Conv2d, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from '@nn/layers';
import { getBackend, manualSeed, type Tensor, tensor, tidy, withGradMode } from '@nn/tensor';
import * as ort from 'onnxruntime-web';
import { type Options, wanted } from '../cli.js';
import { ensureAutograd, loadNn, syncBackend } from '../impls/nn.js';
import { emit, note, reportSkips, type Skip, table } from '../report.js';
import { uniformArray } from '../rng.js';
import { reason, timeIt } from '../timing.js';

const BATCHES = [1, 64];

/** The demo's CNN (apps/demo: conv5(8)-pool-conv5(16)-pool-64-10), seeded weights. */
function demoCnn(): Sequential {
  manualSeed(0);
  return new Sequential(
    new Conv2d(1, 8, 5),
    new ReLU(),
    new MaxPool2d(2) as unknown as Module,
    new Conv2d(8, 16, 5),
    new ReLU(),
    new MaxPool2d(2) as unknown as Module,
    new Flatten(),
    new Linear(16 * 4 * 4, 64),
    new ReLU(),
    new Linear(64, 10),
  ).eval();
}

function close(got: ArrayLike<number>, want: ArrayLike<number>): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) return false;
  return true;
}

interface Runner {
  impl: string;
  /** Logits of a batch (for the check). */
  logits(b: number): Promise<ArrayLike<number>>;
  /** One inference of a batch, resolved when the logits are readable. */
  run(b: number): Promise<void>;
  release(): Promise<void>;
}

async function benchOnnx(options: Options): Promise<boolean> {
  const inputs = new Map(BATCHES.map((b) => [b, uniformArray(b * 28 * 28, 100 + b).map((v) => (v + 1) / 2)]));
  const skips: Skip[] = [];
  const runners: Runner[] = [];
  const noGrad = await ensureAutograd();
  const nn = await loadNn(options);
  skips.push(...nn.skips);
  if (noGrad) for (const i of nn.impls) skips.push({ impl: i.impl, reason: noGrad });
  let onnx: Uint8Array | null = null;
  for (const impl of noGrad ? [] : nn.impls) {
    impl.activate();
    const model = demoCnn();
    onnx ??= await exportOnnx(model, tensor(inputs.get(1)!, { shape: [1, 1, 28, 28] }), { opset: 17 });
    const xs = new Map([...inputs].map(([b, v]) => [b, tensor(v, { shape: [b, 1, 28, 28] })]));
    const forward = (b: number): Tensor => tidy(() => withGradMode(false, () => model.call(xs.get(b)!)));
    runners.push({
      impl: impl.impl,
      async logits(b) {
        impl.activate();
        const y = forward(b);
        const out = await y.data();
        y.dispose();
        return out;
      },
      async run(b) {
        impl.activate();
        const y = forward(b);
        await y.data();
        y.dispose();
      },
      async release() {
        await syncBackend(impl.backend);
        for (const x of xs.values()) x.dispose();
        for (const p of model.parameters()) p.dispose();
        for (const t of model.buffers()) t.dispose();
      },
    });
  }
  if (wanted(options, 'ort-wasm')) {
    try {
      if (!onnx) {
        const cpuModel = demoCnn();
        onnx = await exportOnnx(cpuModel, tensor(inputs.get(1)!, { shape: [1, 1, 28, 28] }));
      }
      // One thread pool per process in onnxruntime-web: as many threads as nn-wasm uses.
      ort.env.wasm.numThreads = availableParallelism();
      const session = await ort.InferenceSession.create(onnx);
      const feeds = new Map([...inputs].map(([b, v]) => [b, new ort.Tensor('float32', v, [b, 1, 28, 28])]));
      const infer = async (b: number) =>
        (await session.run({ input: feeds.get(b)! })).output.data as Float32Array;
      runners.push({
        impl: 'ort-wasm',
        logits: infer,
        run: async (b) => {
          await infer(b);
        },
        release: () => session.release(),
      });
    } catch (e) {
      skips.push({ impl: 'ort-wasm', reason: `onnxruntime-web failed: ${reason(e)}` });
    }
  }
  let ok = true;
  const rows: (string | number)[][] = [];
  const reference = runners[0];
  const want = new Map<number, ArrayLike<number>>();
  for (const b of BATCHES) if (reference) want.set(b, await reference.logits(b));
  for (const r of runners) {
    for (const b of BATCHES) {
      try {
        if (r !== reference && !close(await r.logits(b), want.get(b)!)) {
          ok = false;
          note(`io: WRONG RESULT from ${r.impl} at batch ${b} (logits differ from ${reference.impl})`);
          emit({ bench: 'io', impl: r.impl, model: 'demo-cnn', batch: b, error: 'wrong result' });
          continue;
        }
        const t = await timeIt(() => r.run(b), options.warmup, options.samples);
        emit({
          bench: 'io',
          impl: r.impl,
          model: 'demo-cnn',
          batch: b,
          ms: t.median,
          min: t.min,
          max: t.max,
          cpuMs: t.cpu.median,
          samples: options.samples,
        });
        rows.push([r.impl, b, t.median, t.min, t.max, (b * 1000) / t.median]);
      } catch (e) {
        ok = false;
        emit({ bench: 'io', impl: r.impl, model: 'demo-cnn', batch: b, error: reason(e) });
      }
    }
    await r.release();
  }
  table(
    'io: demo CNN inference (ms per batch, median)',
    ['impl', 'batch', 'ms', 'min', 'max', 'images/s'],
    rows,
  );
  reportSkips('io', skips);
  return ok;
}

async function benchLoad(options: Options): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'nn-bench-io-'));
  const file = join(dir, 'model-100mib.safetensors');
  try {
    getBackend('cpu');
  } catch {
    note('io: skipped load: the cpu backend is not registered');
    return true;
  }
  // 25 float32 tensors of 1,048,576 values: 100 MiB of data.
  const tensors: Record<string, Tensor> = {};
  for (let i = 0; i < 25; i++)
    tensors[`layer${i}.weight`] = tensor(uniformArray(1 << 20, i), { shape: [1024, 1024], backend: 'cpu' });
  await writeFileAtomic(file, await writeSafetensors(tensors));
  for (const t of Object.values(tensors)) t.dispose();
  const child = join(dirname(fileURLToPath(import.meta.url)), 'io-load-child.js');
  const rows: (string | number)[][] = [];
  let ok = true;
  for (const mode of ['path', 'bytes']) {
    const ms: number[] = [];
    const peak: number[] = [];
    for (let s = 0; s < Math.max(1, Math.min(options.samples, 5)); s++) {
      const r = spawnSync(process.execPath, [child, mode, file], { encoding: 'utf8' });
      if (r.status !== 0) {
        ok = false;
        emit({
          bench: 'io',
          case: 'load-100mib',
          mode,
          error: (r.stderr || r.stdout).trim().split('\n').pop() ?? 'failed',
        });
        break;
      }
      const out = JSON.parse(r.stdout) as { ms: number; peakGrowthMiB: number; tensorMiB: number };
      ms.push(out.ms);
      peak.push(out.peakGrowthMiB);
    }
    if (ms.length === 0) continue;
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
    emit({
      bench: 'io',
      case: 'load-100mib',
      mode,
      ms: median(ms),
      min: Math.min(...ms),
      peakGrowthMiB: median(peak),
      samples: ms.length,
    });
    rows.push([mode, median(ms), Math.min(...ms), median(peak)]);
  }
  table(
    'io: load a 100 MiB safetensors file into cpu tensors (fresh process each)',
    ['from', 'ms', 'min', 'peak RSS growth MiB'],
    rows,
  );
  await rm(dir, { recursive: true, force: true });
  return ok;
}

export async function benchIo(options: Options): Promise<boolean> {
  const a = await benchOnnx(options);
  const b = await benchLoad(options);
  return a && b;
}
