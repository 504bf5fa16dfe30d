import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = fileURLToPath(new URL('..', import.meta.url));
export const siteDir = join(appDir, 'site');
export const distDir = join(appDir, 'dist');
/** Screenshots of the browser tests (git-ignored; CI keeps them as artefacts). */
export const artifactsDir = join(appDir, 'test-artifacts');

/** Files under `dir` ending in `ext`, relative to it, sorted. */
export function listFiles(dir: string, ext: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const rel = relative(dir, full);
      if (skip(rel) || e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(ext)) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/** The guide pages (the generated API reference has no runnable examples). */
export function guidePages(): string[] {
  return listFiles(siteDir, '.md', (rel) => rel === 'api' || rel === 'public');
}
