/**
 * Memory-pressure-driven collection: the half of the memory rule that covers tensors a program
 * drops without disposing (PyTorch habits: `const out = model.call(x)` every step). A
 * FinalizationRegistry frees such tensors only after a garbage collection found them unreachable
 * *and* the event loop ran its finalizer tasks, and neither happens on its own in a loop that
 * awaits only reads: the JavaScript collector does not see WebAssembly or GPU memory, and a read
 * that resolves at once never lets a task run. So every asynchronous read checks how far live
 * tensor bytes grew since the last collection; past a quarter (at least 256 KiB) it collects:
 * a full garbage collection where the runtime offers one (`#platform/collector`: Node's, none in
 * browsers), then one turn of the event loop so the finalizers free the storage.
 */
import { findCollector } from '#platform/collector';
import { engine } from './engine.js';

/** Growth allowed between collections: this share of the live bytes, at least MIN_GROWTH. */
const GROWTH = 0.25;
const MIN_GROWTH = 256 * 1024;

let collector: (() => void) | null | undefined;

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

let running: Promise<void> | null = null;

/**
 * Frees the storage of every tensor nothing references any more (and that nobody disposed): a
 * full garbage collection where the runtime allows it, then a turn of the event loop for the
 * finalizers. Reads call it by themselves when live memory has grown; call it to free such
 * tensors now (before measuring memory, say).
 */
export function collectGarbage(): Promise<void> {
  running ??= (async () => {
    if (collector === undefined) collector = findCollector();
    collector?.();
    await nextTask();
  })().finally(() => {
    running = null;
    const live = engine.liveBytes;
    engine.collectAt = live + Math.max(live * GROWTH, MIN_GROWTH);
  });
  return running;
}

/**
 * Called by every asynchronous read: collects when live bytes outgrew the allowance, else
 * lowers the threshold to follow live memory down (reads at the same point of each step see the
 * same live bytes, so only real growth triggers a collection).
 */
export function collectIfPressed(): Promise<void> | undefined {
  const live = engine.liveBytes;
  if (live > engine.collectAt) return collectGarbage();
  engine.collectAt = Math.min(engine.collectAt, live + Math.max(live * GROWTH, MIN_GROWTH));
  return undefined;
}
