/** Kernels a thread can run from the job queue, by index (all take only i32 arguments). */
export const WORKER_KERNELS = [
  'gemm',
  'convForward',
  'convBackwardInput',
  'convBackwardWeight',
  'directCorrelate',
  'directWeight',
  'maxPool2dF32',
  'maxPool2dBackwardF32',
  'packBAll',
  'gemmPackedB',
  'attentionForward',
  'attentionBackward',
] as const;
export type WorkerKernel = (typeof WORKER_KERNELS)[number];

/** The argument each thread replaces with its own GEMM packing scratch, per kernel. */
export const SCRATCH_ARG: Partial<Record<WorkerKernel, number>> = {
  gemm: 12,
  convForward: 4,
  convBackwardInput: 4,
  convBackwardWeight: 4,
  gemmPackedB: 10,
  attentionForward: 7,
  attentionBackward: 11,
};
/**
 * Queue header (i32): [ticket, done, (unused), failed]; jobs follow at QUEUE_HEADER. The ticket
 * packs round << ROUND_SHIFT | job count << JOB_BITS | next job, so a thread reads the count of the
 * round it claims from in the same atomic word: a count stored apart from the ticket could be
 * the next round's, read with this round's ticket, and let a thread claim a job twice (and the
 * caller then wait forever for a `done` that had gone past the count). A job that throws (a wasm
 * trap) sets `failed` and still counts as done, so the caller reports the error instead of
 * waiting forever.
 */
export const QUEUE_HEADER = 16;
export const JOB_WORDS = 20;
export const MAX_JOBS = 256;
/** Ticket fields: job count and next job take JOB_BITS each (MAX_JOBS fits), the round the rest. */
export const JOB_BITS = 9;
const JOB_MASK = (1 << JOB_BITS) - 1;
export const ROUND_SHIFT = 2 * JOB_BITS;
export const ROUND_MASK = (1 << (31 - ROUND_SHIFT)) - 1;
/** Per-worker wake slot (i32): [seq, asleep]. */
export const SLOT_WORDS = 4;
/** Polls before a thread goes to sleep (~10 us): back-to-back kernel calls need no wake-up system call. */
export const SPINS = 5000;

/**
 * Takes jobs of the current round from the queue until it is empty: the shared loop of the
 * workers and of the calling thread. A job is claimed by a compare-exchange on the ticket; a
 * claim that succeeds is a job of the round the ticket (and its count) belongs to, however late
 * the thread read it.
 */
export function drainQueue(i32: Int32Array, q: number, call: (kernel: number, base: number) => void): void {
  const round = Atomics.load(i32, q) >>> ROUND_SHIFT;
  for (;;) {
    const t = Atomics.load(i32, q);
    const count = (t >>> JOB_BITS) & JOB_MASK;
    if (t >>> ROUND_SHIFT !== round || (t & JOB_MASK) >= count) return;
    if (Atomics.compareExchange(i32, q, t, t + 1) !== t) continue;
    const base = q + QUEUE_HEADER + (t & JOB_MASK) * JOB_WORDS;
    call(i32[base], base + 1);
    if (Atomics.add(i32, q + 1, 1) + 1 === count) Atomics.notify(i32, q + 1);
  }
}

/**
 * The worker's code, as a string so the same text starts a Node worker_thread (eval) and a
 * browser Worker (Blob URL) without a bundler step. A worker instantiates the kernels over the
 * shared memory, then sleeps on its wake slot; when `seq` changes it drains the job queue. The
 * platform's startWorker (src/node/host.ts, src/web/host.ts) puts `onMessage(f)` and `post(m)`
 * in front of it, so a browser bundle holds no Node text.
 */
export const WORKER_SOURCE = `
const NAMES = ${JSON.stringify(WORKER_KERNELS)};
const SCRATCH_ARG = ${JSON.stringify(SCRATCH_ARG)};
// The same loop as drainQueue() in worker-source.ts (kept as text: a bundler may rename the
// function's free variables, so its toString() is not portable).
function drainQueue(i32, q, call) {
  const round = Atomics.load(i32, q) >>> ${ROUND_SHIFT};
  for (;;) {
    const t = Atomics.load(i32, q);
    const count = (t >>> ${JOB_BITS}) & ${JOB_MASK};
    if (t >>> ${ROUND_SHIFT} !== round || (t & ${JOB_MASK}) >= count) return;
    if (Atomics.compareExchange(i32, q, t, t + 1) !== t) continue;
    const base = q + ${QUEUE_HEADER} + (t & ${JOB_MASK}) * ${JOB_WORDS};
    call(i32[base], base + 1);
    if (Atomics.add(i32, q + 1, 1) + 1 === count) Atomics.notify(i32, q + 1);
  }
}
onMessage((msg) => {
  const k = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports;
  const slot = msg.slot >> 2;
  const q = msg.queue >> 2;
  post('ready');
  let seq = 0;
  for (;;) {
    const i32 = new Int32Array(msg.memory.buffer);
    for (let s = 0; s < ${SPINS} && Atomics.load(i32, slot) === seq; s++);
    if (Atomics.load(i32, slot) === seq) {
      Atomics.store(i32, slot + 1, 1);
      Atomics.wait(i32, slot, seq);
      Atomics.store(i32, slot + 1, 0);
    }
    seq = Atomics.load(i32, slot);
    if (seq < 0) return;
    drainQueue(i32, q, (kernel, base) => {
      const f = k[NAMES[kernel]];
      const args = Array.from(i32.subarray(base, base + f.length));
      const at = SCRATCH_ARG[NAMES[kernel]];
      if (at !== undefined) args[at] = msg.scratch;
      try {
        f.apply(null, args);
      } catch {
        Atomics.store(i32, q + 3, 1);
      }
    });
  }
});
`;
