import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

// The doctest (every runnable example of the guides, in Node), the helpers, and the built site
// in Debian's Chromium (test/site/, skipped with one line where there is no Chromium).
export default defineProject({
  ...sourceResolution,
  test: {
    name: 'docs',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
