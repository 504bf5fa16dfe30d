import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'backend-cpu', include: ['test/**/*.test.ts'] },
});
