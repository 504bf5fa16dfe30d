/// <reference types="@webgpu/types" preserve="true" />
import { BackendError } from '@nn/tensor';

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

let nodeGPU: Promise<GPU> | null = null;

/** navigator.gpu in a browser; Dawn (npm `webgpu`) in Node, imported only when first needed. */
async function getGPU(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) {
    throw new BackendError(
      'webgpu: this browser has no WebGPU (navigator.gpu is missing); use another backend such as cpu()',
    );
  }
  nodeGPU ??= loadDawn();
  return nodeGPU;
}

async function loadDawn(): Promise<GPU> {
  // A computed specifier keeps browser bundlers from trying to resolve the Node-only module.
  const specifier = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as DawnModule;
  } catch (e) {
    nodeGPU = null;
    throw new BackendError(
      `webgpu: WebGPU in Node needs the 'webgpu' package (npm install webgpu@0.6.2), which failed to load: ${(e as Error).message}`,
    );
  }
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  return mod.create([]);
}

/** The adapter, or a BackendError that says in one line why there is none. */
export async function getAdapter(): Promise<GPUAdapter> {
  const gpu = await getGPU();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new BackendError(
      'webgpu: no WebGPU adapter is available (no GPU driver found; on Linux without a GPU install Mesa lavapipe, mesa-vulkan-drivers from bookworm-backports); use another backend such as cpu()',
    );
  }
  return adapter;
}

/** A device with the adapter's larger limits where the kernels use them. */
export async function getDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBuffersPerShaderStage: Math.min(l.maxStorageBuffersPerShaderStage, 10),
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
  };
  try {
    return await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new BackendError(`webgpu: the adapter refused to create a device: ${(e as Error).message}`);
  }
}
