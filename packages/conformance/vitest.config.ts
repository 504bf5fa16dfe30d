import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolution,
  // The suite runs from each backend package (test/conformance.test.ts there); this package has no
  // test of its own, and `turbo run test` must not fail on that.
  test: { name: 'conformance', include: ['test/**/*.test.ts'], passWithNoTests: true },
});
