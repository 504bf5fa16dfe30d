// What the backend needs from Node.js (worker_threads, os, fs); browsers get ../web/host.ts.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { StartedWorker, WorkerEvents } from '../worker-types.js';

/** Node shares memory between threads whenever SharedArrayBuffer exists. */
export function sharedMemoryAllowed(): boolean {
  return typeof SharedArrayBuffer !== 'undefined';
}

export function hardwareThreads(): number {
  return availableParallelism();
}

// import(), not require(): Node evaluates the worker's text as an ES module when the program runs
// with --input-type=module. The port queues the first message until the listener is attached.
const PRELUDE = `'use strict';
let port;
const onMessage = (f) => import('node:worker_threads').then((wt) => { port = wt.parentPort; port.on('message', f); });
const post = (m) => port.postMessage(m);
`;

/** A worker thread evaluating `source` after the lines that give it `onMessage` and `post`. */
export function startWorker(source: string, events: WorkerEvents): StartedWorker {
  const w = new Worker(PRELUDE + source, { eval: true });
  w.on('error', events.error);
  // Referenced until ready (so `await wasm()` keeps the process alive), then unref'd so a script
  // ends without terminate(). unref() must follow on('message'): adding a listener refs again.
  w.on('message', () => {
    events.ready();
    w.unref();
  });
  return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
}

/** The bytes of a `file:` URL; other URLs are fetched by the caller. */
export async function readLocalFile(url: URL): Promise<Uint8Array | null> {
  return url.protocol === 'file:' ? readFile(url) : null;
}

/**
 * Node 20's V8 (11.3) has relaxed SIMD behind --experimental-wasm-relaxed-simd; Node 22 ships it.
 * V8 reads the flag when it validates or compiles a module, so turning it on before the kernels are
 * compiled is enough. It is process-wide, which is why the backend does it only when asked
 * (`relaxedSimd: true`).
 */
export function enableRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
