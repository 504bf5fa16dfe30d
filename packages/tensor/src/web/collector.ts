// Browsers and workers cannot start a garbage collection (unless the page was given `gc`, as
// Chromium's --js-flags=--expose-gc does): the engine's own collections and the finalizers' turn
// of the event loop (pressure.ts) do the work. Node gets ../node/collector.ts.

/** The page's `gc` where it was exposed, else none. */
export function findCollector(): (() => void) | null {
  const g = globalThis as { gc?: unknown };
  return typeof g.gc === 'function' ? (g.gc as () => void) : null;
}
