/// <reference path="./webgpu-globals.ts" preserve="true" />
import { WebGPUBackend } from './backend.js';
import { getAdapter, getDevice } from './gpu.js';
import { Runtime } from './runtime.js';

export { WebGPUBackend } from './backend.js';

/** Options of `webgpu()`: a device or adapter of your own, and the matmul kernel to use. */
export interface WebGPUOptions {
  /** Matmul kernel: 'simd' for CPU-backed adapters, 'tiled' (workgroup memory) for GPUs; chosen from the adapter by default. */
  matmul?: 'simd' | 'tiled';
  /** Use this device instead of requesting one (its limits must fit the kernels). */
  device?: GPUDevice;
  /** Request the device from this adapter instead of the default one. */
  adapter?: GPUAdapter;
  /** Registry name (default 'webgpu'), e.g. to register two devices side by side. */
  name?: string;
}

/**
 * The WebGPU backend: `registerBackend(await webgpu())`. In a browser it uses navigator.gpu; in
 * Node, Dawn from the `webgpu` package. Rejects with a BackendError that says why when there
 * is no adapter, so the program can stay on another backend.
 *
 * @example
 * ```ts
 * try {
 *   registerBackend(await webgpu());
 *   setBackend('webgpu');
 * } catch (e) {
 *   console.log(`${(e as Error).message}; staying on the current backend`);
 * }
 * ```
 */
export async function webgpu(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
  let device = options.device;
  let a: GPUAdapterInfo | undefined = (device as { adapterInfo?: GPUAdapterInfo } | undefined)?.adapterInfo;
  if (!device) {
    const adapter = options.adapter ?? (await getAdapter());
    a = adapter.info;
    device = await getDevice(adapter);
  }
  const info =
    [a?.vendor, a?.architecture, a?.device, a?.description].filter((s) => s).join(' ') || 'unknown adapter';
  // Software adapters run a workgroup on one CPU thread, where barriers cost more than they save.
  const software = /software|swiftshader|llvmpipe|lavapipe|cpu/i.test(info);
  const matmul = options.matmul ?? (software ? 'simd' : 'tiled');
  return new WebGPUBackend(new Runtime(device, { matmul }), info, options.name);
}
