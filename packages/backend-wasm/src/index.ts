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
import { type WasmBackend, createBackend, createContext, singleThread } from './backend.js';
import { canShareMemory, defaultWasmUrl, fetchModule, instantiate, makeMemory } from './loader.js';

export type { WasmBackend } from './backend.js';
export type { WasmStorage } from './heap.js';

export interface WasmOptions {
  /** Worker threads for GEMM and conv (default: the number of cores; 1 where memory cannot be shared). */
  threads?: number;
  /** Where the kernels are: a URL of kernels.wasm, or of kernels-mt.wasm when threads can run. */
  wasmUrl?: string | URL;
}

/** Loads and instantiates the kernels and returns the backend: `registerBackend(await wasm())`. */
export async function wasm(options: WasmOptions = {}): Promise<WasmBackend> {
  const shared = canShareMemory() && options.threads !== 1;
  const module = await fetchModule(options.wasmUrl ?? defaultWasmUrl(shared));
  const memory = makeMemory(shared);
  const ctx = createContext(memory, instantiate(module, memory));
  return createBackend(ctx, singleThread(ctx), shared);
}
