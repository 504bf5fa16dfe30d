/**
 * The worker's code, as a string so the same text starts a Node worker_thread (eval) and a
 * browser Worker (Blob URL) without a bundler step. A worker instantiates the kernels over the
 * shared memory, then sleeps on its control slot: `seq` changes -> run the job -> set `done`.
 * Slot layout (i32): [seq, done, op, args...].
 */
export const WORKER_SOURCE = `
'use strict';
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
    Atomics.wait(i32, slot, seq);
    seq = Atomics.load(i32, slot);
    if (seq < 0) return;
    const a = slot + 3;
    switch (i32[slot + 2]) {
      case 0:
        k.gemm(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7], i32[a + 8], i32[a + 9], i32[a + 10], i32[a + 11], i32[a + 12], i32[a + 13]);
        break;
    }
    Atomics.store(i32, slot + 1, seq);
    Atomics.notify(i32, slot + 1);
  }
});
`;
