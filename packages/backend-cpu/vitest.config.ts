import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolution,
  // The large-image conv and gradcheck cases took over vitest's 5 s default on a loaded 2-core machine.
  test: { name: 'backend-cpu', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
