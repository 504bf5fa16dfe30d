import type { Parallel } from './backend.js';
import type { Ctx } from './context.js';
import { isNode } from './loader.js';
import { WORKER_SOURCE } from './worker-source.js';

const SLOT_WORDS = 32;
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

/** Blocks until i32[index] != value (Atomics.wait where allowed, else a spin: browser main thread). */
function waitWhileEqual(i32: Int32Array, index: number, value: number): void {
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
export async function createThreadPool(ctx: Ctx, module: WebAssembly.Module, threads: number): Promise<Parallel> {
  await loadNodeWorker();
  const heap = ctx.heap;
  const slots = heap.allocBytes(MAX_THREADS * SLOT_WORDS * 4);
  heap.i32.fill(0, slots >> 2, (slots >> 2) + MAX_THREADS * SLOT_WORDS);
  let workers: WorkerHandle[] = [];
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

  const runGemm = (
    m0: number,
    m1: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    ldc: number,
    thread: number,
    acc: number,
  ): void => ctx.k.gemm(m0, m1, n, k, a, rsA, csA, b, rsB, csB, c, ldc, ctx.scratch(thread), acc);

  await resize(threads);
  return {
    threads: () => wanted,
    setThreads: (n) => void resize(n),
    terminate: () => void resize(1),
    gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, accumulate) {
      const acc = accumulate ? 1 : 0;
      const ready = workers.filter((w) => w.isReady);
      const t = Math.min(ready.length + 1, Math.max(1, Math.floor((m * n * k) / MIN_PARALLEL_WORK)));
      const byRows = m >= n;
      const extent = byRows ? m : n;
      const align = byRows ? 4 : 8;
      const chunk = Math.ceil(extent / t / align) * align;
      const parts = Math.ceil(extent / chunk);
      if (t <= 1 || parts <= 1) {
        runGemm(0, m, n, k, a, rsA, csA, b, rsB, csB, c, n, 0, acc);
        return;
      }
      // Scratch for every thread first: allocation may grow memory, which must not race workers.
      for (let i = 0; i < parts; i++) ctx.scratch(i);
      const i32 = heap.i32;
      seq = (seq + 1) & 0x3fffffff;
      const busy: WorkerHandle[] = [];
      for (let p = 1; p < parts; p++) {
        const w = ready[p - 1];
        const s = w.slot >> 2;
        const lo = p * chunk;
        const hi = Math.min(extent, lo + chunk);
        const args = byRows
          ? [lo, hi, n, k, a, rsA, csA, b, rsB, csB, c, n, ctx.scratch(p), acc]
          : [0, m, hi - lo, k, a, rsA, csA, b + lo * csB * 4, rsB, csB, c + lo * 4, n, ctx.scratch(p), acc];
        i32[s + 2] = 0;
        i32.set(args, s + 3);
        Atomics.store(i32, s, seq);
        Atomics.notify(i32, s);
        busy.push(w);
      }
      const hi0 = Math.min(extent, chunk);
      if (byRows) runGemm(0, hi0, n, k, a, rsA, csA, b, rsB, csB, c, n, 0, acc);
      else runGemm(0, m, hi0, k, a, rsA, csA, b, rsB, csB, c, n, 0, acc);
      for (const w of busy) {
        const s = w.slot >> 2;
        while (Atomics.load(i32, s + 1) !== seq) waitWhileEqual(i32, s + 1, Atomics.load(i32, s + 1));
      }
    },
  };
}
