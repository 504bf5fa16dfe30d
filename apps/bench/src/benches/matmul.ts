/**
 * matmul: float32 n×n times n×n, every impl in one process. Each sample runs the product `reps`
 * times (enough for ~50 ms, so small sizes are not timer noise) and waits for the last result's
 * data, which is how completion is observed on queued backends.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matmul, type Tensor, tensor } from '@nn/tensor';
import { type Options, wanted } from '../cli.js';
import { loadNn, type NnImpl } from '../impls/nn.js';
import { loadTfjs, type TfjsImpl } from '../impls/tfjs.js';
import { findTorch, runTorch, scratchDir, TORCH_IMPL, type TorchImpl } from '../impls/torch.js';
import { emit, note, reportSkips, table } from '../report.js';
import { uniformArray } from '../rng.js';
import { now, reason, stats as summarize, type Timing, timeIt } from '../timing.js';
import { checkMatmul, WrongResultError } from './matmul-check.js';

interface Runner {
  readonly impl: string;
  /** Uploads inputs; returns a run of `reps` products (awaiting the last) and a one-off result read. */
  setup(a: Float32Array, b: Float32Array, n: number): Promise<Prepared>;
}

interface Prepared {
  result(): Promise<ArrayLike<number>>;
  run(reps: number): Promise<void>;
  release(): void;
}

function nnRunner(impl: NnImpl): Runner {
  return {
    impl: impl.impl,
    async setup(av, bv, n) {
      impl.activate();
      const a = tensor(av, { shape: [n, n], backend: impl.backend });
      const b = tensor(bv, { shape: [n, n], backend: impl.backend });
      return {
        async result() {
          const c = matmul(a, b);
          const v = await c.data();
          c.dispose();
          return v;
        },
        async run(reps) {
          let last: Tensor | undefined;
          for (let r = 0; r < reps; r++) {
            last?.dispose();
            last = matmul(a, b);
          }
          await last?.data();
          last?.dispose();
        },
        release() {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

function tfjsRunner(impl: TfjsImpl): Runner {
  const tf = impl.tf;
  return {
    impl: impl.impl,
    async setup(av, bv, n) {
      await impl.activate();
      const a = tf.tensor2d(av, [n, n]);
      const b = tf.tensor2d(bv, [n, n]);
      return {
        async result() {
          const c = tf.matMul(a, b);
          const v = await c.data();
          c.dispose();
          return v;
        },
        async run(reps) {
          let last: ReturnType<Tf['matMul']> | undefined;
          for (let r = 0; r < reps; r++) {
            last?.dispose();
            last = tf.matMul(a, b);
          }
          await last?.data();
          last?.dispose();
        },
        release() {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

type Tf = TfjsImpl['tf'];

const TARGET_MS = 50;

async function measure(
  runner: Runner,
  n: number,
  options: Options,
): Promise<{ stats: Timing; reps: number }> {
  const av = uniformArray(n * n, 1000 + n);
  const bv = uniformArray(n * n, 2000 + n);
  const p = await runner.setup(av, bv, n);
  try {
    checkMatmul(av, bv, await p.result(), n, `${runner.impl} n=${n}`);
    // Doubling until a run takes 10 ms gives a steady estimate of how many products fill a sample.
    await p.run(1);
    let calib = 1;
    let took = 0;
    for (;;) {
      const t0 = now();
      await p.run(calib);
      took = now() - t0;
      if (took >= 10 || calib >= 256) break;
      calib *= 2;
    }
    const reps = Math.max(1, Math.min(1024, Math.round((TARGET_MS * calib) / took)));
    const stats = await timeIt(() => p.run(reps), options.warmup, options.samples);
    return { stats, reps };
  } finally {
    p.release();
  }
}

/** PyTorch times its own samples (same calibration) in one python process per size. */
async function measureTorch(
  t: TorchImpl,
  n: number,
  options: Options,
): Promise<{ stats: Timing; reps: number }> {
  const av = uniformArray(n * n, 1000 + n);
  const bv = uniformArray(n * n, 2000 + n);
  const scratch = scratchDir();
  try {
    scratch.write('a.f32', av);
    scratch.write('b.f32', bv);
    const r = await runTorch(t, 'matmul', scratch.dir, {
      n,
      warmup: options.warmup,
      samples: options.samples,
    });
    const c = readFileSync(join(scratch.dir, 'c.f32'));
    checkMatmul(av, bv, new Float32Array(c.buffer, c.byteOffset, c.byteLength >> 2), n, `${t.impl} n=${n}`);
    const ms = r.ms as number[];
    const cpu = r.cpuMs as number[];
    return { stats: { ...summarize(ms), cpu: summarize(cpu) }, reps: r.reps as number };
  } finally {
    scratch.done();
  }
}

export async function benchMatmul(options: Options): Promise<boolean> {
  const nn = await loadNn(options);
  const tfjs = await loadTfjs(options);
  const runners: { impl: string; measure(n: number): Promise<{ stats: Timing; reps: number }> }[] = [
    ...nn.impls.map(nnRunner),
    ...tfjs.impls.map(tfjsRunner),
  ].map((r) => ({ impl: r.impl, measure: (n: number) => measure(r, n, options) }));
  const skips = [...nn.skips, ...tfjs.skips];
  if (wanted(options, TORCH_IMPL)) {
    const t = findTorch();
    if ('reason' in t) skips.push({ impl: TORCH_IMPL, reason: t.reason });
    else runners.push({ impl: t.impl, measure: (n) => measureTorch(t, n, options) });
  }
  reportSkips('matmul', skips);
  if (runners.length === 0) {
    note('matmul: nothing to run');
    return true;
  }
  let allRight = true;
  const results = new Map<string, Map<number, number>>();
  for (const runner of runners) {
    const perN = new Map<number, number>();
    results.set(runner.impl, perN);
    for (const n of options.sizes) {
      try {
        const { stats, reps } = await runner.measure(n);
        const flop = 2 * n * n * n * reps;
        const gflops = (ms: number): number => flop / (ms * 1e6);
        perN.set(n, gflops(stats.median));
        emit({
          bench: 'matmul',
          impl: runner.impl,
          n,
          gflops: gflops(stats.median),
          min: gflops(stats.max),
          max: gflops(stats.min),
          ms: stats.median / reps,
          cpuGflops: gflops(stats.cpu.median),
          reps,
          samples: options.samples,
        });
      } catch (e) {
        if (e instanceof WrongResultError) allRight = false;
        const why = e instanceof WrongResultError ? `WRONG RESULT: ${e.message}` : reason(e);
        emit({ bench: 'matmul', impl: runner.impl, n, error: why });
        note(`matmul: ${runner.impl} n=${n} FAILED: ${why}`);
      }
    }
  }
  table(
    'matmul float32, GFLOP/s (median)',
    ['impl', ...options.sizes.map((n) => `n=${n}`)],
    [...results].map(([impl, perN]) => [impl, ...options.sizes.map((n) => perN.get(n) ?? '-')]),
  );
  return allRight;
}
