import type { Parallel } from './backend.js';
import type { Ctx } from './context.js';
import { isNode } from './loader.js';
import {
  ASLEEP,
  SLOT_WORDS,
  SPINS,
  WORKER_KERNELS,
  WORKER_SOURCE,
  type WorkerKernel,
} from './worker-source.js';

const MAX_THREADS = 64;
/** Below this many multiply-adds a GEMM runs on one thread: waking workers costs more. */
const MIN_PARALLEL_WORK = 1 << 17;

interface WorkerHandle {
  terminate(): void;
  ready: Promise<void>;
  isReady: boolean;
  slot: number;
}

type NodeWorker = {
  on(ev: 'message' | 'error', f: (m: unknown) => void): void;
  postMessage(m: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
};

let nodeWorkerCtor: (new (src: string, opts: { eval: boolean }) => NodeWorker) | null = null;

/** Loads node:worker_threads once (top-level await keeps the module graph free of a static import). */
async function loadNodeWorker(): Promise<void> {
  if (nodeWorkerCtor || !isNode()) return;
  const wt = (await import(/* @vite-ignore */ 'node:worker_threads')) as unknown as {
    Worker: new (src: string, opts: { eval: boolean }) => NodeWorker;
  };
  nodeWorkerCtor = wt.Worker;
}

export async function defaultThreadCount(): Promise<number> {
  if (isNode()) {
    const os = (await import(/* @vite-ignore */ 'node:os')) as unknown as {
      availableParallelism?: () => number;
      cpus: () => unknown[];
    };
    return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

function spawn(module: WebAssembly.Module, memory: WebAssembly.Memory, slot: number): WorkerHandle {
  let resolveReady: () => void = () => {};
  let rejectReady: (e: unknown) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const h: WorkerHandle = { terminate: () => {}, ready, isReady: false, slot };
  const onReady = (): void => {
    h.isReady = true;
    resolveReady();
  };
  const msg = { module, memory, slot };
  if (nodeWorkerCtor) {
    const w = new nodeWorkerCtor(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('message', onReady);
    w.on('error', rejectReady);
    w.postMessage(msg);
    h.terminate = () => void w.terminate();
  } else {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = onReady;
    w.onerror = (e) => rejectReady(e);
    w.postMessage(msg);
    h.terminate = () => w.terminate();
  }
  return h;
}

/** One kernel call: its name and its (all i32) arguments. */
export interface Job {
  kernel: WorkerKernel;
  args: number[];
}

/** Blocks until i32[index] != value (Atomics.wait where allowed, else a spin: browser main thread). */
function waitWhileEqual(i32: Int32Array, index: number, value: number): void {
  for (let s = 0; s < SPINS && Atomics.load(i32, index) === value; s++);
  try {
    while (Atomics.load(i32, index) === value) Atomics.wait(i32, index, value, 1000);
  } catch {
    while (Atomics.load(i32, index) === value) {}
  }
}

/**
 * Worker threads over shared wasm memory. GEMM splits its rows (or, for short wide products, its
 * columns) into one chunk per thread; the calling thread runs the first chunk itself.
 */
export async function createThreadPool(
  ctx: Ctx,
  module: WebAssembly.Module,
  threads: number,
): Promise<Parallel> {
  await loadNodeWorker();
  const heap = ctx.heap;
  const slots = heap.allocBytes(MAX_THREADS * SLOT_WORDS * 4);
  heap.i32.fill(0, slots >> 2, (slots >> 2) + MAX_THREADS * SLOT_WORDS);
  const workers: WorkerHandle[] = [];
  let wanted = 1;
  let seq = 0;

  const resize = (n: number): Promise<void> => {
    wanted = Math.max(1, Math.min(MAX_THREADS, Math.floor(n)));
    while (workers.length > wanted - 1) {
      const w = workers.pop()!;
      const i = (w.slot >> 2) + 0;
      Atomics.store(heap.i32, i, -1);
      Atomics.notify(heap.i32, i);
      w.terminate();
    }
    while (workers.length < wanted - 1) {
      const slot = slots + (workers.length + 1) * SLOT_WORDS * 4;
      heap.i32[slot >> 2] = 0;
      heap.i32[(slot >> 2) + 1] = 0;
      workers.push(spawn(module, heap.memory, slot));
    }
    return Promise.all(workers.map((w) => w.ready)).then(() => undefined);
  };

  /** Runs jobs[0] here and the others on ready workers (at most one each), then waits for all. */
  const run = (jobs: readonly Job[]): void => {
    const ready = workers.filter((w) => w.isReady);
    const i32 = heap.i32;
    seq = (seq + 1) & 0x3fffffff;
    const busy: WorkerHandle[] = [];
    for (let j = 1; j < jobs.length; j++) {
      const w = ready[j - 1];
      const s = w.slot >> 2;
      i32[s + 2] = WORKER_KERNELS.indexOf(jobs[j].kernel);
      i32.set(jobs[j].args, s + 3);
      Atomics.store(i32, s + SLOT_WORDS - 1, 0);
      Atomics.store(i32, s, seq);
      if (Atomics.load(i32, s + ASLEEP) === 1) Atomics.notify(i32, s);
      busy.push(w);
    }
    const call = (job: Job): void => (ctx.k[job.kernel] as (...a: number[]) => void)(...job.args);
    call(jobs[0]);
    for (let j = 0; j < busy.length; j++) {
      const s = busy[j].slot >> 2;
      // A worker that has not woken up yet (a busy machine) loses its job to this thread.
      if (Atomics.compareExchange(i32, s + SLOT_WORDS - 1, 0, 2) === 0) {
        call(jobs[j + 1]);
        continue;
      }
      for (let done = Atomics.load(i32, s + 1); done !== seq; done = Atomics.load(i32, s + 1))
        waitWhileEqual(i32, s + 1, done);
    }
  };
  const available = (): number => 1 + workers.filter((w) => w.isReady).length;

  await resize(threads);
  return {
    threads: () => wanted,
    setThreads: (n) => void resize(n),
    terminate: () => void resize(1),
    available,
    run,
    gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, accumulate) {
      const acc = accumulate ? 1 : 0;
      const t = Math.min(available(), Math.max(1, Math.floor((m * n * k) / MIN_PARALLEL_WORK)));
      const byRows = m >= n;
      const extent = byRows ? m : n;
      const align = byRows ? 4 : 8;
      const chunk = Math.ceil(extent / t / align) * align;
      const parts = t <= 1 ? 1 : Math.ceil(extent / chunk);
      // Scratch for every thread first: allocation may grow memory, which must not race workers.
      for (let i = 0; i < parts; i++) ctx.scratch(i);
      const jobs: Job[] = [];
      for (let p = 0; p < parts; p++) {
        const lo = p * chunk;
        const hi = Math.min(extent, lo + chunk);
        const args = byRows
          ? [lo, hi, n, k, a, rsA, csA, b, rsB, csB, c, n, ctx.scratch(p), acc]
          : [0, m, hi - lo, k, a, rsA, csA, b + lo * csB * 4, rsB, csB, c + lo * 4, n, ctx.scratch(p), acc];
        jobs.push({ kernel: 'gemm', args });
      }
      run(jobs);
    },
  };
}
