import { runConformance } from '@nn/conformance';
import { describe, it } from 'vitest';
import { backendOrReason } from './adapter.js';
import { collectLeaksBeforeMemoryCheck } from './collect-leaks.js';

const backend = await backendOrReason();

if (typeof backend === 'string') {
  describe.skip(`conformance: webgpu (skipped: ${backend})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
} else {
  collectLeaksBeforeMemoryCheck();
  runConformance({ name: 'webgpu', backend: () => backend });
}
