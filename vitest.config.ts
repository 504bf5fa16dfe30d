import { defineConfig } from 'vitest/config';
import { chromiumMissing, isCI, WEBGPU_SKIP_ENV, webgpuMissing } from './vitest.shared.js';

// One run covers every package: each package's vitest config is a project, and the backends
// that run in browsers add a Chromium project (vitest browser mode with Debian's Chromium).
// Outside CI, a group that needs what this machine lacks (a WebGPU adapter, Chromium) is skipped
// with one line saying why; in CI nothing is probed and a missing piece fails its tests.
const browserProjects = [
  'packages/backend-webgpu/vitest.browser.config.ts',
  'packages/backend-wasm/vitest.browser.config.ts',
  'packages/io/vitest.browser.config.ts',
];

function skipped(group: string, reason: string): void {
  console.log(`nn test: skipping ${group}: ${reason}`);
}

let runBrowsers = true;
if (!isCI()) {
  const gpu = process.env[WEBGPU_SKIP_ENV] || webgpuMissing();
  if (gpu) {
    process.env[WEBGPU_SKIP_ENV] = gpu;
    skipped('the WebGPU tests in Node', gpu);
  }
  const chromium = chromiumMissing();
  if (chromium) {
    runBrowsers = false;
    skipped('the browser projects (backend-webgpu-browser, backend-wasm-browser, io-browser)', chromium);
  }
}

export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'scripts/checks/vitest.config.ts',
      ...(runBrowsers ? browserProjects : []),
    ],
  },
});
