import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'autograd', include: ['test/**/*.test.ts'] },
});
