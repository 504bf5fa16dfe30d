/**
 * conv: conv2d forward + backward (input, weight and bias gradients of sum(y)) on an MNIST-sized
 * batch, 64×1×28×28 -> 8 channels, 3×3, valid, stride 1; results checked against float64.
 * `pnpm bench conv` also times one training epoch of the small CNN (the train bench, cnn only).
 */
import { conv2d, sum, type Tensor, tensor, tidy } from '@nn/tensor';
import type { Options } from '../cli.js';
import { ensureAutograd, loadNn, type NnImpl } from '../impls/nn.js';
import { loadTfjs, type TfjsImpl } from '../impls/tfjs.js';
import { emit, note, reportSkips, type Skip, table } from '../report.js';
import { uniformArray } from '../rng.js';
import { reason, timeIt } from '../timing.js';
import {
  type ConvProblem,
  type ConvResult,
  checkConv,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
} from './conv-check.js';
import { WrongResultError } from './matmul-check.js';
import { benchTrain } from './train.js';

const N = 64;
const C = 1;
const H = 28;
const W = 28;
const OUT_C = 8;
const K = 3;

interface Runner {
  readonly impl: string;
  /** Forward + backward once, with values read back, for the check. */
  result(): Promise<ConvResult>;
  /** Forward + backward, resolving when the gradients are computed. */
  run(): Promise<void>;
  release(): void;
}

function problem(): ConvProblem {
  return {
    n: N,
    c: C,
    h: H,
    w: W,
    outC: OUT_C,
    k: K,
    x: uniformArray(N * C * H * W, 11),
    weight: uniformArray(OUT_C * C * K * K, 12),
    bias: uniformArray(OUT_C, 13),
  };
}

function nnRunner(impl: NnImpl, p: ConvProblem): Runner {
  impl.activate();
  const x = tensor(p.x, { shape: [N, C, H, W], requiresGrad: true });
  const w = tensor(p.weight, { shape: [OUT_C, C, K, K], requiresGrad: true });
  const b = tensor(p.bias, { shape: [OUT_C], requiresGrad: true });
  const leaves = [x, w, b];
  const clearGrads = (): void => {
    for (const t of leaves) {
      t.grad?.dispose();
      t.grad = null;
    }
  };
  const step = (): Tensor =>
    tidy(() => {
      const s = sum(conv2d(x, w, b));
      s.backward();
      return s;
    });
  return {
    impl: impl.impl,
    async result() {
      impl.activate();
      const s = step();
      const [ySum] = await s.data();
      s.dispose();
      const grads = leaves.map((t) => t.grad);
      if (grads.some((g) => g === null))
        throw new WrongResultError(`${impl.impl}: a gradient is missing after backward()`);
      const [dx, dw, db] = await Promise.all(grads.map((g) => (g as Tensor).data()));
      clearGrads();
      return { ySum, dx, dw, db };
    },
    async run() {
      step().dispose();
      // The smallest gradient read waits for the queued work on async backends.
      await b.grad?.data();
      clearGrads();
    },
    release() {
      clearGrads();
      for (const t of leaves) t.dispose();
    },
  };
}

function tfjsRunner(impl: TfjsImpl, p: ConvProblem): Runner {
  const tf = impl.tf;
  const x = tf.tensor4d(nchwToNhwc(p.x, N, C, H, W), [N, H, W, C]);
  const w = tf.tensor4d(oihwToHwio(p.weight, OUT_C, C, K), [K, K, C, OUT_C]);
  const b = tf.tensor1d(p.bias);
  const f = tf.valueAndGrads((...args: ReturnType<typeof tf.tensor>[]) =>
    tf.sum(
      tf.add(
        tf.conv2d(
          args[0] as Parameters<typeof tf.conv2d>[0],
          args[1] as Parameters<typeof tf.conv2d>[1],
          1,
          'valid',
        ),
        args[2],
      ),
    ),
  );
  return {
    impl: impl.impl,
    async result() {
      await impl.activate();
      const { value, grads } = f([x, w, b]);
      const [ySum] = await value.data();
      const [dx, dw, db] = await Promise.all(grads.map((g) => g.data()));
      tf.dispose([value, ...grads]);
      return { ySum, dx: nhwcToNchw(dx, N, C, H, W), dw: hwioToOihw(dw, OUT_C, C, K), db };
    },
    async run() {
      const { value, grads } = f([x, w, b]);
      await grads[2].data();
      tf.dispose([value, ...grads]);
    },
    release() {
      tf.dispose([x, w, b]);
    },
  };
}

/** The conv2d micro-bench alone (what `all` runs; the CNN epoch is in `train` there). */
export async function benchConv2d(options: Options): Promise<boolean> {
  const skips: Skip[] = [];
  const p = problem();
  const makers: { impl: string; make: () => Promise<Runner> }[] = [];
  const nn = await loadNn(options);
  skips.push(...nn.skips);
  if (nn.impls.length) {
    const noGrad = await ensureAutograd();
    if (noGrad) for (const i of nn.impls) skips.push({ impl: i.impl, reason: noGrad });
    else for (const i of nn.impls) makers.push({ impl: i.impl, make: async () => nnRunner(i, p) });
  }
  const tfjs = await loadTfjs(options);
  skips.push(...tfjs.skips);
  for (const i of tfjs.impls) {
    const kind = i.impl.slice('tfjs-'.length);
    const missing = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'].filter(
      (k) => !i.tf.getKernel(k, kind),
    );
    if (missing.length)
      skips.push({ impl: i.impl, reason: `no ${missing.join(', ')} kernel in tfjs's ${kind} backend` });
    else
      makers.push({
        impl: i.impl,
        make: async () => {
          await i.activate();
          return tfjsRunner(i, p);
        },
      });
  }
  reportSkips('conv2d', skips);
  let allRight = true;
  const rows: (string | number)[][] = [];
  for (const m of makers) {
    let r: Runner | undefined;
    try {
      r = await m.make();
      checkConv(p, await r.result(), m.impl);
      const run = r.run.bind(r);
      const s = await timeIt(run, options.warmup, Math.max(options.samples, 10));
      emit({
        bench: 'conv2d',
        impl: m.impl,
        ms: s.median,
        min: s.min,
        max: s.max,
        cpuMs: s.cpu.median,
        shape: `${N}x${C}x${H}x${W}->${OUT_C}x${K}x${K}`,
      });
      rows.push([m.impl, s.median, s.min, s.max]);
    } catch (e) {
      if (e instanceof WrongResultError) allRight = false;
      const why = e instanceof WrongResultError ? `WRONG RESULT: ${e.message}` : reason(e);
      emit({ bench: 'conv2d', impl: m.impl, error: why });
      note(`conv2d: ${m.impl} FAILED: ${why}`);
    } finally {
      r?.release();
    }
  }
  table(
    `conv2d forward+backward, ${N}x${C}x${H}x${W} -> ${OUT_C} channels ${K}x${K}, ms`,
    ['impl', 'median', 'min', 'max'],
    rows,
  );
  return allRight;
}

export async function benchConv(options: Options): Promise<boolean> {
  const ok = await benchConv2d(options);
  const trained = await benchTrain({ ...options, models: ['cnn'] });
  return ok && trained;
}
