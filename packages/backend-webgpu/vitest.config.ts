import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  // Shader compilation on a software adapter takes ~0.1 s a pipeline, so first uses are slow.
  test: { name: 'backend-webgpu', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
