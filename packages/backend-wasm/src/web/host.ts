// What the backend needs from a browser (or any non-Node platform); Node gets ../node/host.ts.
import type { StartedWorker, WorkerEvents } from '../worker-types.js';

/** Browsers expose SharedArrayBuffer to pages that are cross-origin isolated (COOP + COEP headers). */
export function sharedMemoryAllowed(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer !== 'undefined' && g.crossOriginIsolated === true;
}

export function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

const PRELUDE = `'use strict';
const onMessage = (f) => { self.onmessage = (e) => f(e.data); };
const post = (m) => self.postMessage(m);
`;

/**
 * A Web Worker running `source` after the lines that give it `onMessage` and `post`, from a blob:
 * URL (no file to serve, nothing for a bundler to copy).
 */
export function startWorker(source: string, events: WorkerEvents): StartedWorker {
  const url = URL.createObjectURL(new Blob([PRELUDE + source], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = () => events.ready();
  w.onerror = (e) => events.error(e);
  return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}

/** Browsers fetch every URL. */
export async function readLocalFile(_url: URL): Promise<Uint8Array | null> {
  return null;
}

/** Browsers cannot switch engine features on: relaxed SIMD is there (Chromium 114+) or it is not. */
export function enableRelaxedSimd(): void {}
