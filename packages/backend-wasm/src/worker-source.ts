/** Kernels a worker can run, by index in the job slot (all take only i32 arguments). */
export const WORKER_KERNELS = ['gemm', 'im2colBatch', 'col2imBatch', 'maxPool2dF32'] as const;
export type WorkerKernel = (typeof WORKER_KERNELS)[number];

/**
 * The worker's code, as a string so the same text starts a Node worker_thread (eval) and a
 * browser Worker (Blob URL) without a bundler step. A worker instantiates the kernels over the
 * shared memory, then sleeps on its control slot: `seq` changes -> claim the job -> run it ->
 * set `done`. The posting thread may claim a job first (when the worker was slow to wake) and run
 * it itself; the worker then only reports `done`.
 * Slot layout (i32): [seq, done, kernel index, args..., asleep, claim (last word)].
 * Between jobs a worker spins a little before it sleeps, so back-to-back jobs (one per kernel
 * call of a training step) need no wake-up system call; `asleep` tells the poster to notify.
 */
export const SLOT_WORDS = 32;
export const ASLEEP = SLOT_WORDS - 2;
const CLAIM = SLOT_WORDS - 1;
/** Polls of the slot before a worker (or the waiting caller) goes to sleep (~10 us). */
export const SPINS = 5000;
export const WORKER_SOURCE = `
'use strict';
const NAMES = ${JSON.stringify(WORKER_KERNELS)};
const node = typeof process !== 'undefined' && process.versions && process.versions.node;
let port;
if (node) port = require('node:worker_threads').parentPort;
const onMessage = (f) => node ? port.on('message', f) : (self.onmessage = (e) => f(e.data));
const post = (m) => node ? port.postMessage(m) : self.postMessage(m);
onMessage((msg) => {
  const inst = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } });
  const k = inst.exports;
  const slot = msg.slot >> 2;
  post('ready');
  let seq = 0;
  for (;;) {
    const i32 = new Int32Array(msg.memory.buffer);
    for (let s = 0; s < ${SPINS} && Atomics.load(i32, slot) === seq; s++);
    if (Atomics.load(i32, slot) === seq) {
      Atomics.store(i32, slot + ${ASLEEP}, 1);
      Atomics.wait(i32, slot, seq);
      Atomics.store(i32, slot + ${ASLEEP}, 0);
    }
    seq = Atomics.load(i32, slot);
    if (seq < 0) return;
    if (Atomics.compareExchange(i32, slot + ${CLAIM}, 0, 1) === 0) {
      const f = k[NAMES[i32[slot + 2]]];
      const a = slot + 3;
      f.apply(null, Array.from(i32.subarray(a, a + f.length)));
    }
    Atomics.store(i32, slot + 1, seq);
    Atomics.notify(i32, slot + 1);
  }
});
`;
