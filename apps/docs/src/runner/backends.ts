/**
 * The backend a runnable example (or the playground) runs on: registered on first use, then
 * made current. The examples themselves name no backend, so one example runs on all three.
 */
import { installAutograd } from '@nn/autograd';
import { type Backend, listBackends, registerBackend, setBackend } from '@nn/tensor';

export const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

const creating = new Map<BackendName, Promise<Backend>>();

async function create(name: BackendName): Promise<Backend> {
  if (name === 'cpu') return (await import('@nn/backend-cpu')).cpu();
  if (name === 'wasm') return (await import('@nn/backend-wasm')).wasm();
  return (await import('@nn/backend-webgpu')).webgpu();
}

/** Registers `name` once; a failure is not cached, so it can be retried. */
export async function ensureBackend(name: BackendName): Promise<void> {
  if (!listBackends().includes(name)) {
    let pending = creating.get(name);
    if (!pending) {
      pending = create(name);
      creating.set(name, pending);
      pending.catch(() => creating.delete(name));
    }
    const backend = await pending;
    if (!listBackends().includes(name)) registerBackend(backend);
  }
}

/** Registers `name` if needed, makes it current and turns autograd on. */
export async function activateBackend(name: BackendName): Promise<void> {
  await ensureBackend(name);
  setBackend(name);
  installAutograd();
}

let gpuProbe: Promise<string | null> | undefined;

/** null when WebGPU can run here, else why not (one line). */
export function webgpuUnavailable(): Promise<string | null> {
  gpuProbe ??= (async () => {
    try {
      await ensureBackend('webgpu');
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  })();
  return gpuProbe;
}
