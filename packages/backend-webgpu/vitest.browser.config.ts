import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { chromiumLaunchOptions } from '../../vitest.shared.js';

// Debian's Chromium, with WebGPU (on SwiftShader without a GPU) allowed.
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
        launchOptions: chromiumLaunchOptions(['--enable-unsafe-webgpu']),
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
