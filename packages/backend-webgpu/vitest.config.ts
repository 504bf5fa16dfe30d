import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolution,
  // Shader compilation on a software adapter takes ~0.1 s a pipeline, so first uses are slow.
  test: {
    name: 'backend-webgpu',
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
