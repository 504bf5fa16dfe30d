// Compiles assembly/ to build/kernels.wasm (single-threaded) and build/kernels-mt.wasm (shared
// memory, for worker threads) when a source is newer than the output. Used by `pnpm build` and
// by the vitest global setup, so tests never run stale kernels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const COMMON = [
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--use',
  'abort=',
  '--importMemory',
];
export const MAX_PAGES = 32768;
const VARIANTS = [
  { out: 'kernels.wasm', flags: ['--initialMemory', '1'] },
  {
    out: 'kernels-mt.wasm',
    flags: [
      '--enable',
      'threads',
      '--sharedMemory',
      '--initialMemory',
      '1',
      '--maximumMemory',
      String(MAX_PAGES),
    ],
  },
];

function newestSource() {
  const dir = join(root, 'assembly');
  let t = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  for (const f of readdirSync(dir)) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  return t;
}

export function buildWasm({ force = false } = {}) {
  const asc = join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
  mkdirSync(join(root, 'build'), { recursive: true });
  const src = newestSource();
  for (const v of VARIANTS) {
    const out = join(root, 'build', v.out);
    if (!force && existsSync(out) && statSync(out).mtimeMs >= src) continue;
    const r = spawnSync(
      process.execPath,
      [asc, join(root, 'assembly', 'index.ts'), ...COMMON, ...v.flags, '-o', out],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error(`asc failed for ${v.out} (exit ${r.status})`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  buildWasm({ force: process.argv.includes('--force') });
