import { BackendError } from '@nn/tensor';
import { readLocalFile, sharedMemoryAllowed } from '#platform/host';
import type { KernelExports } from './kernels.js';

/** Pages (64 KiB) the shared memory may grow to; matches --maximumMemory in scripts/build-wasm.mjs. */
export const MAX_PAGES = 32768;

/** A URL object or its text (`{ href }` keeps the .d.ts free of the DOM's URL type). */
export type WasmSource = string | { readonly href: string };

/** True where wasm threads can run: SharedArrayBuffer exists (browsers: cross-origin isolated). */
export function canShareMemory(): boolean {
  return sharedMemoryAllowed();
}

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Which built-in kernels to load: shared memory (threads) or not, relaxed SIMD or not. */
export interface KernelVariant {
  shared: boolean;
  relaxed: boolean;
}

/** The base64 text of one built-in variant. Literal import paths, so bundlers see every file. */
async function embeddedText({ shared, relaxed }: KernelVariant): Promise<string> {
  if (relaxed) {
    return shared
      ? (await import('../build/kernels-mt-relaxed-embedded.js')).default
      : (await import('../build/kernels-relaxed-embedded.js')).default;
  }
  return shared
    ? (await import('../build/kernels-mt-embedded.js')).default
    : (await import('../build/kernels-embedded.js')).default;
}

/** The build/ file name of a variant: kernels[-mt][-relaxed].wasm. */
export function variantFile({ shared, relaxed }: KernelVariant): string {
  return `kernels${shared ? '-mt' : ''}${relaxed ? '-relaxed' : ''}`;
}

/**
 * The kernels built into the package: build/*-embedded.js hold the .wasm as base64 text, so every
 * bundler (Vite, webpack, esbuild) and Node load them as plain JavaScript, with no file to serve or
 * copy. Each variant is its own module, so a bundler that splits chunks loads only the one in use.
 */
async function embeddedModule(variant: KernelVariant): Promise<WebAssembly.Module> {
  let base64: string;
  try {
    base64 = await embeddedText(variant);
  } catch (e) {
    throw new BackendError(
      `wasm: the kernels built into @nn/backend-wasm (build/${variantFile(variant)}-embedded.js) did not load (${(e as Error).message}); reinstall @nn/backend-wasm (in the nn repository: pnpm build)`,
    );
  }
  return WebAssembly.compile(decodeBase64(base64) as Uint8Array<ArrayBuffer>);
}

/** Kernels from a URL the user gives: fetched, or read from disk for a `file:` URL in Node. */
async function moduleFromUrl(source: WasmSource): Promise<WebAssembly.Module> {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  let url: URL;
  try {
    url = typeof source === 'string' ? new URL(source, page) : new URL(source.href);
  } catch {
    throw new BackendError(
      `wasm: wasmUrl '${String(source)}' is not a URL (a relative one needs a page to resolve against)`,
    );
  }
  try {
    const local = await readLocalFile(url);
    if (local) return await WebAssembly.compile(local as Uint8Array<ArrayBuffer>);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await WebAssembly.compile(await res.arrayBuffer());
  } catch (e) {
    throw new BackendError(
      `wasm: cannot load the kernels from wasmUrl ${url.href} (${(e as Error).message}). wasmUrl must point at a copy of kernels-mt.wasm (threads) or kernels.wasm (one thread) from node_modules/@nn/backend-wasm/build/ that your app serves; or leave wasmUrl out to use the kernels built into the package`,
    );
  }
}

/** The user's kernels when `wasmUrl` is given, else the built-in variant. */
export function loadModule(
  source: WasmSource | undefined,
  variant: KernelVariant,
): Promise<WebAssembly.Module> {
  return source === undefined ? embeddedModule(variant) : moduleFromUrl(source);
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
