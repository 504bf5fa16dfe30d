import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Builds the site the browser tests and the link check read (turbo restores it from its cache
 * when nothing it depends on changed). NN_DOCS_SKIP_BUILD=1 uses dist/ as it is.
 */
export default function setup(): void {
  if (process.env.NN_DOCS_SKIP_BUILD === '1') return;
  const r = spawnSync(
    `${root}node_modules/.bin/turbo`,
    ['run', 'docs:build', '--filter=@nn/docs', '--output-logs=errors-only'],
    { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
  );
  if (r.status !== 0)
    throw new Error(`docs: the site build (turbo run docs:build) failed (exit ${r.status})`);
}
