// Node's full garbage collection, for pressure.ts; browsers get ../web/collector.ts.

/**
 * A synchronous full garbage collection: `globalThis.gc` when the program was started with
 * `--expose-gc`, else V8's own, reached through a fresh context with the flag set (the program's
 * global scope is left as it was); null where neither is possible.
 */
export function findCollector(): (() => void) | null {
  const g = globalThis as { gc?: unknown; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof g.gc === 'function') return g.gc as () => void;
  const builtin = g.process?.getBuiltinModule;
  if (typeof builtin !== 'function') return null;
  try {
    const v8 = builtin('node:v8') as { setFlagsFromString(flags: string): void };
    const vm = builtin('node:vm') as { runInNewContext(code: string): unknown };
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
