/**
 * WebGPU in Node through Dawn (npm `webgpu`): installs `navigator.gpu` once, only when an adapter
 * exists, so tfjs-webgpu and nn-webgpu see the same adapter in the same process.
 */
import { importOptional } from './optional.js';

let probe: Promise<string | null> | undefined;

/** null when navigator.gpu is usable, else why not. */
export function ensureWebGPU(): Promise<string | null> {
  probe ??= setup();
  return probe;
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

async function setup(): Promise<string | null> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return null;
  const loaded = await importOptional('webgpu');
  if (!loaded.ok) return loaded.reason;
  const create = loaded.mod.create as ((flags: string[]) => GpuLike) | undefined;
  const globals = loaded.mod.globals as object | undefined;
  if (typeof create !== 'function' || !globals) return 'the webgpu package lacks create()/globals';
  Object.assign(globalThis, globals);
  let gpu: GpuLike;
  try {
    gpu = create([]);
  } catch (e) {
    return `Dawn could not start: ${e instanceof Error ? e.message : String(e)}`;
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    return 'no WebGPU adapter (no Vulkan driver: install mesa-vulkan-drivers from bookworm-backports for lavapipe)';
  }
  if (g.navigator) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  return null;
}
