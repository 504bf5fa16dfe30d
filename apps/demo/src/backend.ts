import { cpu } from '@nn/backend-cpu';
import { type Backend, use } from '@nn/tensor';
import type { BackendName } from './args.js';

/** Registers and selects the backend; wasm and webgpu are imported only when asked for. */
export async function selectBackend(name: BackendName): Promise<string> {
  let backend: Backend;
  if (name === 'wasm') {
    const { wasm } = await import('@nn/backend-wasm');
    backend = await wasm();
  } else if (name === 'webgpu') {
    const { webgpu } = await import('@nn/backend-webgpu');
    backend = await webgpu();
  } else {
    backend = cpu();
  }
  use(backend);
  const info = (backend as { info?: unknown }).info;
  return typeof info === 'string' && info ? `${backend.name} (${info})` : backend.name;
}
