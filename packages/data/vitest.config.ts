import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'data', include: ['test/**/*.test.ts'] },
});
