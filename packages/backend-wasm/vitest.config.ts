import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: {
    name: 'backend-wasm',
    include: ['test/**/*.test.ts'],
    // Compiles the AssemblyScript kernels when build/ is missing or older than assembly/.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
  },
});
