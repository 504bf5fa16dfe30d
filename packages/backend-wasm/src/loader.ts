import { BackendError } from '@nn/tensor';
import type { KernelExports } from './kernels.js';

/** Pages (64 KiB) the shared memory may grow to; matches --maximumMemory in scripts/build-wasm.mjs. */
export const MAX_PAGES = 32768;

export type WasmSource = string | URL;

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** True where wasm threads can run: SharedArrayBuffer exists (browsers: cross-origin isolated). */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return isNode() || g.crossOriginIsolated === true;
}

/**
 * The .wasm beside the package: build/ is a sibling of both src/ and dist/. Each URL is a literal
 * `new URL('…', import.meta.url)`, the form bundlers (Vite, webpack 5, esbuild) recognise and copy.
 */
export function defaultWasmUrl(shared: boolean): URL {
  return shared
    ? new URL('../build/kernels-mt.wasm', import.meta.url)
    : new URL('../build/kernels.wasm', import.meta.url);
}

export async function fetchModule(source: WasmSource): Promise<WebAssembly.Module> {
  const url = source instanceof URL ? source : new URL(source, import.meta.url);
  try {
    if (url.protocol === 'file:' && isNode()) {
      const fs = await import(/* @vite-ignore */ 'node:fs/promises');
      return await WebAssembly.compile(await fs.readFile(url));
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await WebAssembly.compile(await res.arrayBuffer());
  } catch (e) {
    throw new BackendError(
      `wasm: cannot load kernels from ${url.href} (${(e as Error).message}); run \`pnpm build\` in @nn/backend-wasm or pass wasm({ wasmUrl })`,
    );
  }
}

export function makeMemory(shared: boolean): WebAssembly.Memory {
  return shared
    ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 16 });
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
