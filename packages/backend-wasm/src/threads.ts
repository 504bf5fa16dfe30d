import { BackendError, type Probe } from '@nn/tensor';
import { timeMethods } from '@nn/tensor/internal';
import { hardwareThreads, startWorker } from '#platform/host';
import type { Parallel } from './backend.js';
import type { Ctx } from './context.js';
import { BIAS_COLS } from './ops-matmul.js';
import {
  drainQueue,
  JOB_BITS,
  JOB_WORDS,
  MAX_JOBS,
  QUEUE_HEADER,
  ROUND_MASK,
  ROUND_SHIFT,
  SCRATCH_ARG,
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

export function defaultThreadCount(): number {
  return hardwareThreads();
}

function spawn(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  slot: number,
  queue: number,
  scratch: number,
): WorkerHandle {
  let resolveReady: () => void = () => {};
  let rejectReady: (e: unknown) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const h: WorkerHandle = { terminate: () => {}, ready, isReady: false, slot };
  const onError = (e: unknown): void => {
    h.isReady = false;
    rejectReady(e);
  };
  const onReady = (): void => {
    h.isReady = true;
    resolveReady();
  };
  const w = startWorker(WORKER_SOURCE, { ready: onReady, error: onError });
  w.post({ module, memory, slot, queue, scratch });
  h.terminate = () => w.terminate();
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
 * Worker threads over shared wasm memory. A parallel call writes its jobs to a queue (more jobs
 * than threads), wakes the workers and takes jobs itself; every thread takes the next job until
 * none is left, so a worker that wakes up late (a busy machine) simply takes fewer.
 */
export async function createThreadPool(
  ctx: Ctx,
  module: WebAssembly.Module,
  threads: number,
): Promise<Parallel> {
  const heap = ctx.heap;
  const queueBytes = (QUEUE_HEADER + MAX_JOBS * JOB_WORDS) * 4;
  const queue = heap.allocBytes(queueBytes);
  const slots = heap.allocBytes(MAX_THREADS * SLOT_WORDS * 4);
  heap.i32.fill(0, queue >> 2, (queue + queueBytes) >> 2);
  heap.i32.fill(0, slots >> 2, (slots >> 2) + MAX_THREADS * SLOT_WORDS);
  const q = queue >> 2;
  const workers: WorkerHandle[] = [];
  let wanted = 1;
  let seq = 0;
  let round = 0;

  const resize = (n: number): Promise<void> => {
    wanted = Math.max(1, Math.min(MAX_THREADS, Math.floor(n)));
    while (workers.length > wanted - 1) {
      const w = workers.pop()!;
      Atomics.store(heap.i32, w.slot >> 2, -1);
      Atomics.notify(heap.i32, w.slot >> 2);
      w.terminate();
    }
    while (workers.length < wanted - 1) {
      const id = workers.length + 1;
      const slot = slots + id * SLOT_WORDS * 4;
      heap.i32.fill(0, slot >> 2, (slot >> 2) + SLOT_WORDS);
      workers.push(spawn(module, heap.memory, slot, queue, ctx.scratch(id)));
    }
    return Promise.all(workers.map((w) => w.ready)).then(() => undefined);
  };

  const mainScratch = ctx.scratch(0);
  const callHere =
    (i32: Int32Array) =>
    (kernel: number, base: number): void => {
      const name = WORKER_KERNELS[kernel];
      const f = ctx.k[name] as (...a: number[]) => void;
      const args = Array.from(i32.subarray(base, base + f.length));
      const at = SCRATCH_ARG[name];
      if (at !== undefined) args[at] = mainScratch;
      try {
        f(...args);
      } catch {
        // Finish the round first: the workers may still be running its other jobs.
        Atomics.store(i32, q + 3, 1);
      }
    };

  /** Writes the jobs to the queue and wakes the workers that will take them. */
  const publish = (jobs: readonly Job[], ready: readonly WorkerHandle[]): void => {
    const i32 = heap.i32;
    jobs.forEach((job, j) => {
      const base = q + QUEUE_HEADER + j * JOB_WORDS;
      i32[base] = WORKER_KERNELS.indexOf(job.kernel);
      i32.set(job.args, base + 1);
    });
    Atomics.store(i32, q + 1, 0);
    round = (round + 1) & ROUND_MASK;
    // One store publishes the round and its job count together (see QUEUE_HEADER).
    Atomics.store(i32, q, (round << ROUND_SHIFT) | (jobs.length << JOB_BITS));
    seq = (seq + 1) & 0x3fffffff;
    for (const w of ready.slice(0, jobs.length - 1)) {
      const s = w.slot >> 2;
      Atomics.store(i32, s, seq);
      if (Atomics.load(i32, s + 1) === 1) Atomics.notify(i32, s);
    }
  };

  /** Waits until every job of the round is done (this thread has run out of jobs to take). */
  const awaitDone = (count: number): void => {
    const i32 = heap.i32;
    for (let done = Atomics.load(i32, q + 1); done !== count; done = Atomics.load(i32, q + 1)) {
      waitWhileEqual(i32, q + 1, done);
    }
  };

  // The two hand-off phases of a parallel call, as methods the profiler can time (instrument).
  const phases = { publish, awaitDone };
  let untime: (() => void) | null = null;

  /** Runs independent jobs on every ready thread (this one included) and returns when all are done. */
  const run = (jobs: readonly Job[]): void => {
    const ready = workers.filter((w) => w.isReady);
    if (jobs.length === 0) return;
    const i32 = heap.i32;
    if (jobs.length === 1 || ready.length === 0 || jobs.length > MAX_JOBS) {
      for (const job of jobs) {
        const args = [...job.args];
        const at = SCRATCH_ARG[job.kernel];
        if (at !== undefined) args[at] = mainScratch;
        (ctx.k[job.kernel] as (...a: number[]) => void)(...args);
      }
      return;
    }
    phases.publish(jobs, ready);
    drainQueue(i32, q, callHere(i32));
    phases.awaitDone(jobs.length);
    if (Atomics.load(i32, q + 3) !== 0) {
      Atomics.store(i32, q + 3, 0);
      throw new BackendError('wasm: a kernel failed on a worker thread (a trap); its output is incomplete');
    }
  };

  const instrument = (probe: Probe | null): void => {
    untime?.();
    untime = probe
      ? timeMethods(phases, { publish: 'threadSync', awaitDone: 'threadSync' }, probe, {
          publish: 'parallelCalls',
        })
      : null;
  };
  const available = (): number => 1 + workers.filter((w) => w.isReady).length;

  await resize(threads);
  return {
    threads: () => wanted,
    setThreads: (n) => void resize(n),
    terminate: () => void resize(1),
    available,
    run,
    instrument,
    gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, accumulate, epilogue) {
      const acc = accumulate ? 1 : 0;
      const bias = epilogue?.bias ?? 0;
      const bits = epilogue?.bits ?? 0;
      const t = Math.min(available(), Math.max(1, Math.floor((m * n * k) / MIN_PARALLEL_WORK)));
      const byRows = m >= n;
      const extent = byRows ? m : n;
      const align = byRows ? 4 : 8;
      // Row chunks: a few per thread, so the threads even out when one starts late (they share
      // one packed B). Column chunks: one per thread, as each packs all of A again (a Linear
      // layer's x @ Wᵀ with a batch of 64 packs A eight times over with four per thread: ~10%
      // of the call); if one thread starts late, the others take its chunk.
      const pieces = t <= 1 ? 1 : Math.min((byRows ? 4 : 1) * t, Math.ceil(extent / align));
      const chunk = Math.ceil(extent / pieces / align) * align;
      const jobs: Job[] = [];
      if (t > 1 && byRows && k > 0) {
        // Every row chunk multiplies the whole of B: pack it once, split by columns over the
        // threads, instead of once per chunk; then the chunks share the packed copy.
        const bytes = ctx.k.packedBBytes(k, n);
        const pb = heap.allocBytes(bytes);
        try {
          const packPieces = Math.min(2 * t, Math.ceil(n / 8));
          const packChunk = Math.ceil(n / packPieces / 8) * 8;
          const packJobs: Job[] = [];
          for (let lo = 0; lo < n; lo += packChunk) {
            packJobs.push({
              kernel: 'packBAll',
              args: [b, rsB, csB, k, n, lo, Math.min(n, lo + packChunk), pb],
            });
          }
          run(packJobs);
          for (let lo = 0; lo < extent; lo += chunk) {
            const args = [lo, Math.min(extent, lo + chunk), n, k, a, rsA, csA, pb, c, n, 0, acc, bias, bits];
            jobs.push({ kernel: 'gemmPackedB', args });
          }
          run(jobs);
        } finally {
          heap.freeBytes(pb, bytes);
        }
        return;
      }
      for (let lo = 0; lo < extent; lo += chunk) {
        const hi = Math.min(extent, lo + chunk);
        // A column chunk's bias starts at its first column (a per-row bias is the same for all).
        const colBias = bits & BIAS_COLS ? bias + lo * 4 : bias;
        const args = byRows
          ? [lo, hi, n, k, a, rsA, csA, b, rsB, csB, c, n, 0, acc, bias, bits]
          : [0, m, hi - lo, k, a, rsA, csA, b + lo * csB * 4, rsB, csB, c + lo * 4, n, 0, acc, colBias, bits];
        jobs.push({ kernel: 'gemm', args });
      }
      run(jobs);
    },
  };
}
