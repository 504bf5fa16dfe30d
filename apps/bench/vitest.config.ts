import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

// Only the harness's checkers, parsing and data split are tested; benchmarks never run in tests.
export default defineProject({
  ...sourceResolution,
  test: { name: 'bench', include: ['test/**/*.test.ts'] },
});
