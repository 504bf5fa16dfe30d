import { defineProject } from 'vitest/config';

// The packages as users get them: `pnpm pack` tarballs installed into a fresh project (global setup).
export default defineProject({
  test: {
    name: 'packaging',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
