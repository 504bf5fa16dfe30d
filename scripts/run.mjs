#!/usr/bin/env node
// One entry point for `npm run demo|test|bench`: on a machine with only Node.js and npm it
// fetches pnpm through npx, installs, builds, then runs the task. Arguments after `--` pass on.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [task, ...args] = process.argv.slice(2);
const PNPM_VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', COREPACK_INTEGRITY_KEYS: '0' };

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env });
  if (probe.status === 0 && probe.stdout.trim() === PNPM_VERSION) return ['pnpm', []];
  return ['npx', ['-y', `pnpm@${PNPM_VERSION}`]];
}

const [pnpm, pnpmPre] = pnpmCommand();
const pn = (a) => run(pnpm, [...pnpmPre, ...a]);
const must = (status, what) => {
  if (status !== 0) {
    console.error(`nn: ${what} failed (exit ${status})`);
    process.exit(status);
  }
};

const quiet = process.env.NN_SETUP_QUIET === '1';
if (!existsSync(join(root, 'node_modules', '.modules.yaml')) || process.env.NN_INSTALL === '1') {
  const flags = quiet ? ['--reporter=silent'] : [];
  if (pn(['install', '--frozen-lockfile', ...flags]) !== 0) {
    console.error(
      'nn: the lockfile is out of date with a package.json; installing without --frozen-lockfile',
    );
    must(pn(['install', '--no-frozen-lockfile', ...flags]), 'pnpm install');
  }
}
must(pn(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']), 'build');

switch (task) {
  case 'demo':
    process.exit(pn(['--filter', '@nn/demo', 'run', 'start', ...(args.length ? ['--', ...args] : [])]));
    break;
  case 'bench':
    process.exit(pn(['--filter', '@nn/bench', 'run', 'start', ...(args.length ? ['--', ...args] : [])]));
    break;
  case 'test': {
    const out = join(root, '.vitest-results.json');
    const status = pn([
      'exec',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${out}`,
      ...args,
    ]);
    if (existsSync(out)) {
      const r = JSON.parse(readFileSync(out, 'utf8'));
      const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
    }
    process.exit(status);
    break;
  }
  default:
    console.error(`usage: node scripts/run.mjs demo|test|bench [-- args]`);
    process.exit(2);
}
