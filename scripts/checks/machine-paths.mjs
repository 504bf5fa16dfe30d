// No committed file names a path of one machine: a fresh clone has no /work or /tmp of ours, so a
// test or README that points there works only here.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', 'build', '.git', '.turbo', 'coverage', 'cache']);
const TEXT = /\.(ts|mts|js|mjs|cjs|json|md|vue|py|sh|ya?ml|html|css|toml)$/;
/** The roots of this machine's checkouts and scratch space. */
const MACHINE = /(?<![\w.])\/(?:work|tmp)\/[\w.-]/;

function files(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (TEXT.test(e.name) && e.name !== 'pnpm-lock.yaml') out.push(p);
  }
  return out;
}

/** The files git tracks under root (what a clone gets), or every file where root is no checkout. */
function committed(root) {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter((f) => TEXT.test(f) && !f.endsWith('pnpm-lock.yaml'))
      .map((f) => join(root, f))
      .filter((f) => existsSync(f));
  } catch {
    return files(root);
  }
}

/** Every line of a committed text file under `root` (the lockfile left out) that names /work/… or /tmp/…. */
export function machinePaths(root) {
  const found = [];
  for (const file of committed(root)) {
    if (statSync(file).size > 2_000_000) continue;
    const rel = relative(root, file).split('\\').join('/');
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (MACHINE.test(line)) found.push(`${rel}:${i + 1}`);
      });
  }
  return found;
}
