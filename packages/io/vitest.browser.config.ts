import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { chromiumLaunchOptions } from '../../vitest.shared.js';

// @nn/io in Chromium: IndexedDB, downloads, and models fetched over http(s) from the test server.
export default defineProject({
  resolve: { conditions: ['source', 'browser', 'import', 'default'] },
  test: {
    name: 'io-browser',
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: chromiumLaunchOptions() }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
