/**
 * sdpa: scaledDotProductAttention forward + backward (gradients of q, k and v) at batch 32, 4
 * heads, sequence 64, head dim 32, on every nn backend twice: with the backend's fused attention
 * kernels and with them removed (the composite of matmul, softmax, ...). Results are checked
 * against a float64 reference on two heads first. Then, on webgpu, the peak GPU bytes of one
 * forward + backward at sequence 1024 (batch 1, 4 heads), fused against composite.
 */
import {
  type Backend,
  type FusedKernels,
  getBackend,
  listBackends,
  mul,
  registerBackend,
  scaledDotProductAttention,
  sum,
  type Tensor,
  tensor,
  tidy,
} from '@nn/tensor';
import type { Options } from '../cli.js';
import { ensureAutograd, loadNn, type NnImpl, syncBackend } from '../impls/nn.js';
import { emit, note, reportSkips, type Skip, table } from '../report.js';
import { uniformArray } from '../rng.js';
import { reason, timeIt } from '../timing.js';
import { WrongResultError } from './matmul-check.js';

interface Shape {
  readonly batch: number;
  readonly heads: number;
  readonly seq: number;
  readonly dim: number;
}

const TIMED: Shape = { batch: 32, heads: 4, seq: 64, dim: 32 };
const LONG: Shape = { batch: 1, heads: 4, seq: 1024, dim: 32 };

interface Inputs {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly g: Float32Array;
}

function inputs(s: Shape): Inputs {
  const n = s.batch * s.heads * s.seq * s.dim;
  return { q: uniformArray(n, 21), k: uniformArray(n, 22), v: uniformArray(n, 23), g: uniformArray(n, 24) };
}

/** The backend with its attention kernels removed: same storage, the composite path. */
function compositeOf(name: string): string {
  const variant = `${name}-attention-composite`;
  if (listBackends().includes(variant)) return variant;
  const b = getBackend(name);
  const { attention: _f, attentionBackward: _b, ...rest } = b.fused ?? ({} as FusedKernels);
  registerBackend(Object.create(b, { name: { value: variant }, fused: { value: rest } }) as Backend);
  return variant;
}

interface Run {
  /** Forward + backward; the gradients stay on q, k, v until `clear`. */
  step(): void;
  leaves: Tensor[];
  out(): Tensor;
  clear(): void;
  release(): void;
}

function runner(backend: string, s: Shape, x: Inputs): Run {
  const shape = [s.batch, s.heads, s.seq, s.dim];
  const make = (data: Float32Array, requiresGrad: boolean) => tensor(data, { shape, backend, requiresGrad });
  const [q, k, v] = [make(x.q, true), make(x.k, true), make(x.v, true)];
  const g = make(x.g, false);
  const leaves = [q, k, v];
  const clear = (): void => {
    for (const t of leaves) t.zeroGrad();
  };
  return {
    leaves,
    step: () =>
      tidy(() => {
        sum(mul(scaledDotProductAttention(q, k, v), g)).backward();
      }),
    out: () => scaledDotProductAttention(q, k, v),
    clear,
    release: () => {
      clear();
      for (const t of [q, k, v, g]) t.dispose();
    },
  };
}

/** out and dq, dk, dv of one head (b, h) in float64. */
function reference(
  s: Shape,
  x: Inputs,
  head: number,
): { out: number[]; dq: number[]; dk: number[]; dv: number[] } {
  const { seq: n, dim: d } = s;
  const base = head * n * d;
  const at = (a: Float32Array, i: number, j: number) => a[base + i * d + j];
  const scale = 1 / Math.sqrt(d);
  const p = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let e = 0; e < d; e++) dot += at(x.q, i, e) * at(x.k, j, e);
      p[i][j] = dot * scale;
      m = Math.max(m, p[i][j]);
    }
    let z = 0;
    for (let j = 0; j < n; j++) z += p[i][j] = Math.exp(p[i][j] - m);
    for (let j = 0; j < n; j++) p[i][j] /= z;
  }
  const out = new Array<number>(n * d).fill(0);
  const dq = new Array<number>(n * d).fill(0);
  const dk = new Array<number>(n * d).fill(0);
  const dv = new Array<number>(n * d).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) for (let e = 0; e < d; e++) out[i * d + e] += p[i][j] * at(x.v, j, e);
  }
  for (let i = 0; i < n; i++) {
    let rowDot = 0;
    for (let e = 0; e < d; e++) rowDot += at(x.g, i, e) * out[i * d + e];
    for (let j = 0; j < n; j++) {
      let dp = 0;
      for (let e = 0; e < d; e++) {
        dp += at(x.g, i, e) * at(x.v, j, e);
        dv[j * d + e] += p[i][j] * at(x.g, i, e);
      }
      const ds = p[i][j] * (dp - rowDot) * scale;
      for (let e = 0; e < d; e++) {
        dq[i * d + e] += ds * at(x.k, j, e);
        dk[j * d + e] += ds * at(x.q, i, e);
      }
    }
  }
  return { out, dq, dk, dv };
}

async function check(impl: string, r: Run, s: Shape, x: Inputs): Promise<void> {
  r.step();
  const out = r.out();
  const got = {
    out: await out.data(),
    dq: await r.leaves[0].grad!.data(),
    dk: await r.leaves[1].grad!.data(),
    dv: await r.leaves[2].grad!.data(),
  };
  out.dispose();
  r.clear();
  const n = s.seq * s.dim;
  for (const head of [0, s.batch * s.heads - 1]) {
    const want = reference(s, x, head);
    for (const key of ['out', 'dq', 'dk', 'dv'] as const) {
      const w = want[key];
      for (let i = 0; i < n; i++) {
        const gv = got[key][head * n + i];
        if (!(Math.abs(gv - w[i]) <= 1e-5 + 1e-3 * Math.abs(w[i]))) {
          throw new WrongResultError(`${impl}: ${key}[head ${head}][${i}] = ${gv}, expected ${w[i]}`);
        }
      }
    }
  }
}

/** Peak GPU bytes a backend reports, when it tracks them (webgpu). */
interface PeakTracking {
  resetPeakBytes(): void;
  readonly peakBytesInUse: number;
}

function tracksPeak(b: Backend): b is Backend & PeakTracking {
  const t = b as Partial<PeakTracking>;
  return typeof t.resetPeakBytes === 'function' && typeof t.peakBytesInUse === 'number';
}

async function peakMemory(impl: NnImpl, options: Options): Promise<(string | number)[][]> {
  const b = getBackend(impl.backend);
  if (!tracksPeak(b)) return [];
  const x = inputs(LONG);
  const rows: (string | number)[][] = [];
  for (const [path, backend] of [
    ['fused', impl.backend],
    ['composite', compositeOf(impl.backend)],
  ] as const) {
    const r = runner(backend, LONG, x);
    try {
      await syncBackend(backend);
      const held = b.memory().bytesInUse;
      b.resetPeakBytes();
      const out = r.out();
      await syncBackend(backend);
      const forward = b.peakBytesInUse - held;
      out.dispose();
      r.step();
      await syncBackend(backend);
      const both = b.peakBytesInUse - held;
      r.clear();
      const s = await timeIt(
        async () => {
          r.step();
          await syncBackend(backend);
          r.clear();
        },
        1,
        Math.min(options.samples, 3),
      );
      const mb = (v: number) => v / 2 ** 20;
      emit({
        bench: 'sdpa-memory',
        impl: impl.impl,
        path,
        seq: LONG.seq,
        forwardPeakMB: mb(forward),
        forwardBackwardPeakMB: mb(both),
        ms: s.median,
        shape: `${LONG.batch}x${LONG.heads}x${LONG.seq}x${LONG.dim}`,
      });
      rows.push([`${impl.impl} ${path}`, mb(forward), mb(both), s.median]);
    } finally {
      r.release();
    }
  }
  return rows;
}

export async function benchSdpa(options: Options): Promise<boolean> {
  const skips: Skip[] = [];
  const nn = await loadNn(options);
  skips.push(...nn.skips);
  const noGrad = await ensureAutograd();
  if (noGrad) for (const i of nn.impls) skips.push({ impl: i.impl, reason: noGrad });
  reportSkips('sdpa', skips);
  if (noGrad) return true;
  const x = inputs(TIMED);
  let allRight = true;
  const rows: (string | number)[][] = [];
  const memoryRows: (string | number)[][] = [];
  for (const impl of nn.impls) {
    impl.activate();
    const fused = getBackend(impl.backend).fused?.attention !== undefined;
    const paths: [string, string][] = [['composite', compositeOf(impl.backend)]];
    if (fused) paths.unshift(['fused', impl.backend]);
    for (const [path, backend] of paths) {
      const r = runner(backend, TIMED, x);
      try {
        await check(`${impl.impl} ${path}`, r, TIMED, x);
        const s = await timeIt(
          async () => {
            r.step();
            await syncBackend(backend);
            r.clear();
          },
          options.warmup,
          options.samples,
        );
        emit({
          bench: 'sdpa',
          impl: impl.impl,
          path,
          ms: s.median,
          min: s.min,
          max: s.max,
          cpuMs: s.cpu.median,
          shape: `${TIMED.batch}x${TIMED.heads}x${TIMED.seq}x${TIMED.dim}`,
        });
        rows.push([impl.impl, path, s.median, s.min, s.max]);
      } catch (e) {
        if (e instanceof WrongResultError) allRight = false;
        const why = e instanceof WrongResultError ? `WRONG RESULT: ${e.message}` : reason(e);
        emit({ bench: 'sdpa', impl: impl.impl, path, error: why });
        note(`sdpa: ${impl.impl} ${path} FAILED: ${why}`);
      } finally {
        r.release();
      }
    }
    try {
      memoryRows.push(...(await peakMemory(impl, options)));
    } catch (e) {
      emit({ bench: 'sdpa-memory', impl: impl.impl, error: reason(e) });
      note(`sdpa: ${impl.impl} peak memory FAILED: ${reason(e)}`);
    }
  }
  const { batch, heads, seq, dim } = TIMED;
  table(
    `scaledDotProductAttention forward+backward, batch ${batch}, ${heads} heads, seq ${seq}, head dim ${dim}, ms`,
    ['impl', 'path', 'median', 'min', 'max'],
    rows,
  );
  table(
    `peak GPU memory of one call at seq ${LONG.seq} (batch ${LONG.batch}, ${LONG.heads} heads, head dim ${LONG.dim}), MB above the inputs`,
    ['impl / path', 'forward', 'fwd+bwd', 'ms'],
    memoryRows,
  );
  return allRight;
}
