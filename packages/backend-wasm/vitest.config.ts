import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'backend-wasm',
    include: ['test/**/*.test.ts'],
    // Chromium only: `pnpm test:browser` (vitest.browser.config.ts).
    exclude: ['test/browser/**'],
    // Compiles the AssemblyScript kernels when build/ is missing or older than assembly/.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
  },
});
