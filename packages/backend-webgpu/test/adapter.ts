import { webgpuOrReason } from '../../../vitest.shared.js';
import { type WebGPUBackend, webgpu } from '../src/index.js';

/**
 * The backend under test, or why there is none. In CI (CI=true) a missing adapter fails the
 * run: the WebGPU suite must run there, never skip.
 */
export function backendOrReason(): Promise<WebGPUBackend | string> {
  return webgpuOrReason(() => webgpu());
}
