import { defineConfig } from 'vitest/config';

// One run covers every package: each package's vitest config is a project, and the backends
// that run in browsers add a Chromium project (vitest browser mode with Debian's Chromium).
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'packages/backend-webgpu/vitest.browser.config.ts',
      'packages/backend-wasm/vitest.browser.config.ts',
    ],
  },
});
