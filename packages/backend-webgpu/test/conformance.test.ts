import { runConformance } from '@nn/conformance';
import { describe, it } from 'vitest';
import { backendOrReason } from './adapter.js';

const backend = await backendOrReason();

if (typeof backend === 'string') {
  describe.skip(`conformance: webgpu (skipped: ${backend})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
} else {
  runConformance({ name: 'webgpu', backend: () => backend });
}
