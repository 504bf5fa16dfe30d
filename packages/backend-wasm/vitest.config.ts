import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'backend-wasm', include: ['test/**/*.test.ts'] },
});
