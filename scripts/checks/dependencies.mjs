// Dependencies tell the truth: every package an import names is declared by the package or app
// that imports it — what its shipped code (src/) imports as a dependency or peer, what only its
// tests, scripts and configs import at least as a devDependency — and the packages whose module
// state must exist once per program are peers everywhere but in the umbrella package.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

/** Module state that must be single (the engine, the registered gradient rules): peers only. */
export const SINGLE_INSTANCE = ['@nn/tensor', '@nn/autograd'];
/** The one published package that installs everything for its users, so it depends on them directly. */
const UMBRELLA = '@nn/all';

const CODE = /\.(ts|mts|cts|tsx|js|mjs|cjs|vue)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'cache', 'test-results']);
const BUILTINS = new Set(builtinModules);

/** Code files of a package, leaving out nested projects (a folder with its own package.json). */
function codeFiles(dir, out = [], top = true) {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (!top && entries.some((e) => e.name === 'package.json')) return out;
  for (const e of entries) {
    if (SKIP_DIRS.has(e.name) || e.name.startsWith('.')) {
      // VitePress keeps its config and theme in .vitepress: code of the docs app.
      if (e.name !== '.vitepress') continue;
    }
    const p = join(dir, e.name);
    if (e.isDirectory()) codeFiles(p, out, false);
    else if (CODE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The module specifiers a source file imports (comments and code written into template strings left out). */
export function importsOf(text) {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``');
  const found = new Set();
  const patterns = [
    /(?:^|[\n;])\s*(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"\n]+)['"]/g,
    /(?:^|[\n;])\s*import\s*['"]([^'"\n]+)['"]/g,
    /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"\n]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.add(m[1]);
  return [...found];
}

/** The package a bare specifier names, or null for relative, subpath-import and builtin ones. */
export function packageOf(spec) {
  if (/^[./#]/.test(spec) || spec.startsWith('node:') || /^[a-z]+:/.test(spec)) return null;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? null : name;
}

function readManifests(root) {
  const list = [];
  for (const group of ['packages', 'apps']) {
    let names;
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const dirName of names) {
      const dir = join(root, group, dirName);
      try {
        if (!statSync(dir).isDirectory()) continue;
        list.push({
          at: `${group}/${dirName}`,
          dir,
          manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
        });
      } catch {}
    }
  }
  return list;
}

const allDeps = (m) => [
  ...Object.keys(m.dependencies ?? {}),
  ...Object.keys(m.peerDependencies ?? {}),
  ...Object.keys(m.devDependencies ?? {}),
];

/** Whether `from` already reaches `to` through declared workspace dependencies of any kind. */
function reaches(byName, from, to, seen = new Set()) {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  const m = byName.get(from);
  return !!m && allDeps(m).some((d) => byName.has(d) && reaches(byName, d, to, seen));
}

/**
 * Every undeclared import and misplaced single-instance dependency under `root`. A test may import
 * a sibling workspace package through the root's devDependencies only where declaring it would
 * close a cycle in the build graph (that sibling already depends on the package under test).
 */
export function dependencyViolations(root) {
  const found = [];
  const manifests = readManifests(root);
  const byName = new Map(manifests.map((p) => [p.manifest.name, p.manifest]));
  let rootDev = new Set();
  try {
    rootDev = new Set(
      Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies ?? {}),
    );
  } catch {}
  for (const { at, dir, manifest } of manifests) {
    const runtime = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    const dev = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {})]);
    // Apps and other private packages are programs, not libraries: they own their install.
    if (manifest.name !== UMBRELLA && !manifest.private) {
      for (const single of SINGLE_INSTANCE) {
        if (manifest.dependencies?.[single]) {
          found.push(
            `${at}/package.json: ${single} is a dependency; make it a peerDependency (its module state must be single)`,
          );
        }
      }
    }
    const shipped = !manifest.private;
    for (const file of codeFiles(dir)) {
      const rel = relative(dir, file).split('\\').join('/');
      const inSrc = rel.startsWith('src/') && !/\.test\.[a-z]+$/.test(rel);
      const allowed = inSrc && shipped ? runtime : dev;
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const name = packageOf(spec);
        if (!name || name === manifest.name || allowed.has(name)) continue;
        if (!inSrc && rootDev.has(name) && byName.has(name) && reaches(byName, name, manifest.name)) continue;
        const fix =
          inSrc && shipped
            ? dev.has(name)
              ? 'it is only a devDependency; make it a dependency or peerDependency'
              : 'declare it as a dependency or peerDependency'
            : 'declare it as a devDependency';
        found.push(`${at}/${rel} imports ${name}, which ${manifest.name} does not declare: ${fix}`);
      }
    }
  }
  return found;
}
