import { describe } from 'vitest';
import { type WebGPUBackend, webgpu } from '../src/index.js';
import { backendOrReason } from './adapter.js';

const found = await backendOrReason();

/** The backend under test (only read inside describeGpu blocks, which skip without one). */
export const gpu = found as WebGPUBackend;
export const simdGpu = gpu;
/** The workgroup-memory matmul that GPUs get, checked here on the software adapter too. */
export const tiledGpu: Promise<WebGPUBackend> =
  typeof found === 'string' ? Promise.resolve(gpu) : webgpu({ matmul: 'tiled' });

/** A describe block that runs with an adapter and skips, saying why, without one (outside CI). */
export function describeGpu(name: string, fn: () => void): void {
  describe.skipIf(typeof found === 'string')(
    `webgpu ${name}${typeof found === 'string' ? ` (skipped: ${found})` : ''}`,
    fn,
  );
}
