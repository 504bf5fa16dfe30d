import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { chromiumLaunchOptions } from '../../vitest.shared.js';

// The backend in Debian's Chromium. The page is cross-origin isolated (COOP/COEP headers), so
// SharedArrayBuffer exists and the worker threads run there too.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineProject({
  resolve: { conditions: ['source', 'browser', 'import', 'default'] },
  server: { headers: isolation },
  test: {
    name: 'backend-wasm-browser',
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: chromiumLaunchOptions(),
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
