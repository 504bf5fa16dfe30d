/// <reference path="./wasm-globals.ts" preserve="true" />
/**
 * @nn/backend-wasm: the nn Backend on WebAssembly. Kernels are AssemblyScript compiled with SIMD;
 * storage lives in wasm memory; GEMM splits across worker threads where memory can be shared.
 *
 * ```ts
 * import { registerBackend, setBackend } from '@nn/tensor';
 * import { wasm } from '@nn/backend-wasm';
 * registerBackend(await wasm());
 * setBackend('wasm');
 * ```
 */
import { checkOptions, optionKeys, ValueError } from '@nn/tensor';
import { createBackend, createContext, type Parallel, singleThread, type WasmBackend } from './backend.js';
import type { Ctx } from './context.js';
import { canShareMemory, instantiate, loadModule, makeMemory, type WasmSource } from './loader.js';
import { chooseRelaxedSimd, type RelaxedSimdOption } from './relaxed.js';
import { createThreadPool, defaultThreadCount } from './threads.js';

export type { WasmBackend } from './backend.js';
export type { WasmStorage } from './heap.js';
export type { WasmSource } from './loader.js';
export type { RelaxedSimdOption } from './relaxed.js';

/** Options of `wasm()`: thread count, a URL of kernels you serve yourself, and the registry name. */
export interface WasmOptions {
  /** Threads for GEMM and conv (default: the number of cores; always 1 where memory cannot be shared). */
  threads?: number;
  /**
   * Serve the kernels yourself instead of using the ones built into the package (which need no
   * file and no bundler set-up): a URL of a copy of build/kernels-mt.wasm (threads) or
   * build/kernels.wasm (the backend then runs on one thread). A relative string resolves against
   * the page; in Node a `file:` URL is read from disk.
   */
  wasmUrl?: WasmSource;
  /** Registry name (default 'wasm'): two differently configured instances need two names. */
  name?: string;
  /**
   * Relaxed-SIMD kernels: the GEMM micro-kernel (under matmul, conv and attention) with fused
   * multiply-add, about 1.2–1.3× the baseline kernels' speed (results may differ from them in the
   * last bits). 'auto' (the default) loads them where the engine validates them (Node ≥ 22,
   * Chromium ≥ 114) and the baseline SIMD kernels elsewhere; `false` always loads the baseline;
   * `true` also switches on V8's `--experimental-wasm-relaxed-simd` first where the engine has it
   * off (Node 20; the flag is process-wide), and still falls back to the baseline where the engine
   * refuses them. `backend.relaxedSimd` says which kernels run. With `wasmUrl` the file you serve
   * decides.
   */
  relaxedSimd?: RelaxedSimdOption;
}

/**
 * Loads and instantiates the kernels and returns the backend: `registerBackend(await wasm())`.
 *
 * @example
 * ```ts
 * const backend = await wasm(); // threads: the number of cores where memory can be shared
 * registerBackend(backend);
 * setBackend('wasm');
 * ```
 */
export async function wasm(options: WasmOptions = {}): Promise<WasmBackend> {
  checkOptions('wasm', options, optionKeys<WasmOptions>({ threads: 1, wasmUrl: 1, name: 1, relaxedSimd: 1 }));
  const choice = options.relaxedSimd ?? 'auto';
  if (choice !== true && choice !== false && choice !== 'auto') {
    throw new ValueError(`wasm: relaxedSimd must be true, false or 'auto', got ${JSON.stringify(choice)}`);
  }
  let shared = canShareMemory();
  const relaxed = options.wasmUrl === undefined && chooseRelaxedSimd(choice);
  const module = await loadModule(options.wasmUrl, { shared, relaxed });
  let memory = makeMemory(shared);
  let ctx: Ctx;
  try {
    ctx = createContext(memory, instantiate(module, memory));
  } catch (e) {
    // A user-given single-threaded build refuses shared memory: run it on one thread.
    if (!shared) throw e;
    shared = false;
    memory = makeMemory(false);
    ctx = createContext(memory, instantiate(module, memory));
  }
  let par: Parallel = singleThread(ctx);
  if (shared) {
    try {
      par = await createThreadPool(ctx, module, options.threads ?? defaultThreadCount());
    } catch {
      // Workers cannot start here (a sandbox without Worker, a blocked blob: URL): one thread.
      par = singleThread(ctx);
    }
  }
  return createBackend(ctx, par, shared, options.name ?? 'wasm');
}
