import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';

// Debian's Chromium with WebGPU on SwiftShader (see /work/shared/TOOLING.md): the new headless
// mode, unsafe WebGPU allowed, nothing that reaches the network (Playwright gives each launch a
// fresh profile directory).
const args = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineProject({
  resolve: { conditions: ['source', 'browser', 'import', 'default'] },
  test: {
    name: 'backend-webgpu-browser',
    include: ['test/browser/**/*.test.ts'],
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
