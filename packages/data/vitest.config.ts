import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

// Workspace packages resolve to their TypeScript sources ("source" condition), so tests need no build;
// Vite reads client and server (ssr) conditions separately, and vitest runs tests as ssr.
export default defineProject({
  ...sourceResolution,
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'data', include: ['test/**/*.test.ts'] },
});
