import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolution,
  // Vitest runs node tests in vite's ssr environment, which reads its own conditions.
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: { name: 'optim', include: ['test/**/*.test.ts'] },
});
