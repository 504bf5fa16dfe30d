import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webgpuOrReason } from '../../../vitest.shared.js';
import { activateBackend, type BackendName, ensureBackend } from '../src/runner/backends.js';
import { loadModules } from '../src/runner/modules.js';
import { runSnippet } from '../src/runner/run.js';
import { extractSnippets } from '../src/runner/snippets.js';
import { sameOutput } from './compare.js';
import { guidePages, siteDir } from './paths.js';

// Every runnable example of the site, run in Node on cpu and wasm (and webgpu where Dawn finds
// an adapter) exactly as the page runs it; where an `output` fence follows, what it prints must
// match. An example that fails here would fail for a reader.
const modules = await loadModules();
// Outside CI, no WebGPU adapter in Node skips the webgpu runs (the root config's rule); in CI it fails.
const gpu = await webgpuOrReason(() => ensureBackend('webgpu'));
const noGpu = typeof gpu === 'string' ? gpu : null;
const backends: BackendName[] = ['cpu', 'wasm', 'webgpu'];

const pages = guidePages().map((page) => ({
  page,
  snippets: extractSnippets(readFileSync(join(siteDir, page), 'utf8')),
}));

it('the guides have runnable examples', () => {
  expect(pages.reduce((n, p) => n + p.snippets.length, 0)).toBeGreaterThan(20);
});

for (const { page, snippets } of pages.filter((p) => p.snippets.length)) {
  describe(page, () => {
    for (const s of snippets) {
      for (const backend of backends) {
        const skip = backend === 'webgpu' && noGpu !== null;
        const name = `line ${s.line} on ${backend}${skip ? ` (skipped: ${noGpu})` : ''}`;
        it.skipIf(skip)(name, async () => {
          await activateBackend(backend);
          const r = await runSnippet(s.code, { modules });
          expect(r.error, `${page}:${s.line} on ${backend} threw\n${r.lines.join('\n')}`).toBeNull();
          if (s.expected !== null) {
            const diff = sameOutput(r.lines.join('\n'), s.expected);
            expect(diff, `${page}:${s.line} on ${backend}`).toBeNull();
          }
        });
      }
    }
  });
}
