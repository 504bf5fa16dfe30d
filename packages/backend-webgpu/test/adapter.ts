import { type WebGPUBackend, webgpu } from '../src/index.js';

/**
 * The backend under test, or why there is none. In CI (CI=true) a missing adapter fails the
 * run: the WebGPU suite must run there, never skip.
 */
export async function backendOrReason(): Promise<WebGPUBackend | string> {
  try {
    return await webgpu();
  } catch (e) {
    if (process.env.CI === 'true' || process.env.CI === '1') throw e;
    return (e as Error).message;
  }
}
