import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

export interface WorkspacePackage {
  /** Folder under packages/, e.g. `backend-wasm`. */
  dir: string;
  manifest: Manifest;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Every package of packages/ that is published (not `private`), sorted by folder. */
export function publicPackages(): WorkspacePackage[] {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .filter((dir) => existsSync(join(base, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson<Manifest>(join(base, dir, 'package.json')) }))
    .filter((p) => !p.manifest.private)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}
