import { defineConfig } from 'vitest/config';

// One run covers every package: each package with a test/ folder is a project.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
