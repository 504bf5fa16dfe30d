// The arrows of DESIGN.md that a type checker cannot see: only @nn/tensor chooses between a
// backend's fused kernel and a composite, so no package above it reads `backend.fused` or wraps
// raw kernel storage with `fromStorage`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Where fused kernels and storage may be looked at: the frontend and the backends, and the two
 * harnesses that build backend variants with kernels removed to compare the paths (the
 * conformance suite and the benchmarks) — they choose nothing for a computation.
 */
const KERNEL_SIDE = /^(packages\/(tensor|backend-[^/]+|conformance)|apps\/bench)\//;
const FORBIDDEN = [
  { pattern: /\.fused\b/, what: 'reads backend.fused (call the tensor-level op of @nn/tensor instead)' },
  {
    pattern: /\bfromStorage\b/,
    what: 'wraps kernel storage with fromStorage (call a tensor-level op instead)',
  },
];

function sources(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every line of a package or app source (src/) outside @nn/tensor and the backends that breaks a rule. */
export function architectureViolations(root) {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const src = join(root, group, name, 'src');
      let files;
      try {
        files = sources(src);
      } catch {
        continue;
      }
      for (const file of files) {
        const rel = relative(root, file).split('\\').join('/');
        if (KERNEL_SIDE.test(rel)) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            for (const rule of FORBIDDEN) {
              if (rule.pattern.test(line)) found.push(`${rel}:${i + 1} ${rule.what}`);
            }
          });
      }
    }
  }
  return found;
}

/**
 * The ops of @nn/tensor free their intermediates with tidy scopes (DESIGN: memory), so a
 * hand-written `dispose()` there is a leak waiting for the next early return or throw. The few
 * that remain on purpose are listed with the reason; any other is a violation.
 */
const OPS_DIR = 'packages/tensor/src/ops';
const DISPOSE_ALLOWED = {
  // The scan's carried result is freed each step, so a scan holds two copies rather than log2(n).
  'packages/tensor/src/ops/cumulative.ts': 1,
};

/** Every `dispose(` in the ops of @nn/tensor beyond the allowed ones, as `file:line text`. */
export function handWrittenDisposes(root) {
  let files;
  try {
    files = sources(join(root, OPS_DIR));
  } catch {
    return [];
  }
  const found = [];
  for (const file of files) {
    const rel = relative(root, file).split('\\').join('/');
    const hits = [];
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\bdispose\(/.test(line) && !/^\s*(\/\/|\*)/.test(line))
          hits.push(`${rel}:${i + 1} ${line.trim()}`);
      });
    if (hits.length > (DISPOSE_ALLOWED[rel] ?? 0)) found.push(...hits);
  }
  return found.sort();
}
