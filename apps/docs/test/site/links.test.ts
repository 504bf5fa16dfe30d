import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { resolveFile } from '../../scripts/serve.mjs';
import { distDir, listFiles } from '../paths.js';

// Every link and asset reference of the built site resolves: the file exists (as the preview
// server and a static host would serve it) and a #fragment names an id on the target page.
// External links are not fetched (no network in CI); they are only counted.
const ATTR = /\s(?:href|src)="([^"]*)"/g;
const ID = /\sid="([^"]*)"/g;

function decodeHtml(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

it('every internal link and asset of the built site resolves', () => {
  expect(existsSync(join(distDir, 'index.html')), 'dist/ is built by the global setup').toBe(true);
  const pages = listFiles(distDir, '.html');
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let s = ids.get(file);
    if (!s) {
      s = new Set([...readFileSync(file, 'utf8').matchAll(ID)].map((m) => decodeHtml(m[1])));
      ids.set(file, s);
    }
    return s;
  };
  const broken: string[] = [];
  let internal = 0;
  let external = 0;
  for (const page of pages) {
    const file = join(distDir, page);
    const html = readFileSync(file, 'utf8');
    for (const m of html.matchAll(ATTR)) {
      const link = decodeHtml(m[1]);
      if (/^(https?:|mailto:|data:|javascript:)/.test(link)) {
        external++;
        continue;
      }
      internal++;
      const [path, fragment] = link.split('#');
      const target =
        path === ''
          ? file
          : resolveFile(
              distDir,
              path.startsWith('/') ? path : `/${relative(distDir, join(dirname(file), path))}`,
            );
      if (!target) {
        broken.push(`${page}: ${link} (no such file)`);
        continue;
      }
      if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) {
        broken.push(`${page}: ${link} (no id "${fragment}" on ${relative(distDir, target)})`);
      }
    }
  }
  expect(broken).toEqual([]);
  expect(internal).toBeGreaterThan(100);
  expect(external).toBeGreaterThanOrEqual(0);
});
