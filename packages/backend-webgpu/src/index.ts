/// <reference types="@webgpu/types" preserve="true" />
import { WebGPUBackend } from './backend.js';
import { getAdapter, getDevice } from './gpu.js';
import { Runtime } from './runtime.js';

export { WebGPUBackend } from './backend.js';

export interface WebGPUOptions {
  /** Use this device instead of requesting one (its limits must fit the kernels). */
  device?: GPUDevice;
  /** Request the device from this adapter instead of the default one. */
  adapter?: GPUAdapter;
}

/**
 * The WebGPU backend: `registerBackend(await webgpu())`. In a browser it uses navigator.gpu; in
 * Node, Dawn from the `webgpu` package. Rejects with a BackendError that says why when there
 * is no adapter, so the program can stay on another backend.
 */
export async function webgpu(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
  let device = options.device;
  let info = 'user device';
  if (!device) {
    const adapter = options.adapter ?? (await getAdapter());
    const a = adapter.info;
    info = [a?.vendor, a?.architecture, a?.device, a?.description].filter((s) => s).join(' ') || 'unknown adapter';
    device = await getDevice(adapter);
  }
  return new WebGPUBackend(new Runtime(device), info);
}
