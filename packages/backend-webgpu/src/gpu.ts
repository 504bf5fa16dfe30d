import { BackendError } from '@nn/tensor';
import { platformGPU } from '#platform/dawn';

let fallbackGPU: Promise<GPU> | null = null;

/** navigator.gpu where it exists; else Dawn in Node, or a BackendError in a browser without WebGPU. */
async function getGPU(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  fallbackGPU ??= platformGPU().catch((e: unknown) => {
    fallbackGPU = null;
    throw e;
  });
  return fallbackGPU;
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
