/**
 * Imports of packages that may be absent or not built yet (other backends, layers, optimizers).
 * The specifier is a variable so the build does not need them; callers check what they get.
 */
export type Module = Readonly<Record<string, unknown>>;

export type Loaded =
  | { readonly ok: true; readonly mod: Module }
  | { readonly ok: false; readonly reason: string };

export async function importOptional(spec: string): Promise<Loaded> {
  try {
    const mod = (await import(spec)) as Module;
    return { ok: true, mod };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      return { ok: false, reason: `${spec} is not installed or not built (${firstLine(e)})` };
    }
    return { ok: false, reason: `${spec} failed to load: ${firstLine(e)}` };
  }
}

/** A function export, or a reason it is missing. */
export function fnExport<F>(loaded: Loaded, name: string, spec: string): { fn: F } | { reason: string } {
  if (!loaded.ok) return { reason: loaded.reason };
  const f = loaded.mod[name];
  if (typeof f !== 'function') return { reason: `${spec} does not export ${name}() yet` };
  return { fn: f as F };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}
