import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  // Vitest runs node tests in vite's ssr environment, which reads its own conditions.
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: { name: 'layers', include: ['test/**/*.test.ts'] },
});
