import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'io',
    include: ['test/**/*.test.ts'],
    // Chromium only: the io-browser project (vitest.browser.config.ts).
    exclude: ['test/browser/**'],
    // ONNX Runtime sessions and the PyTorch round trip take seconds on a loaded machine.
    testTimeout: 60_000,
  },
});
