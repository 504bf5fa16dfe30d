import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';

// The backend in Debian's Chromium (see /work/shared/TOOLING.md). The page is cross-origin
// isolated (COOP/COEP headers), so SharedArrayBuffer exists and the worker threads run there too.
const args = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

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
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args,
          ignoreDefaultArgs: ['--headless'],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
