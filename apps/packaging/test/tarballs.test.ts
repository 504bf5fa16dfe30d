import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, inject, it } from 'vitest';
import { type Manifest, ROOT, readJson } from './helpers/workspace.js';

const { tarballs, app } = inject('packed');
const root = readJson<
  Manifest & { repository: { url: string }; homepage: string; engines: { node: string } }
>(join(ROOT, 'package.json'));
const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');

describe.each(tarballs)('$name tarball', (t) => {
  const manifest = readJson<Manifest>(join(app, 'node_modules', t.name, 'package.json'));

  it('ships what users need and nothing of the build', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'])
      expect(t.files, f).toContain(f);
    const unwanted = t.files.filter((f) =>
      /\.tsbuildinfo$|^(scripts|assembly|test|bench)\/|\.test\.ts$|\.tmp$|^vitest|^tsconfig/.test(f),
    );
    expect(unwanted).toEqual([]);
    expect(readFileSync(join(app, 'node_modules', t.name, 'LICENSE'), 'utf8')).toBe(license);
  });

  it('says where it comes from, which Node it needs, and keeps workspace ranges out', () => {
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toEqual({
      type: 'git',
      url: root.repository.url,
      directory: `packages/${t.dir}`,
    });
    expect(manifest.homepage).toBe(`${root.homepage}/tree/main/packages/${t.dir}#readme`);
    expect(manifest.engines).toEqual({ node: root.engines.node });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
  });

  it('is clean for publint (strict, suggestions included)', async () => {
    const data = readFileSync(t.file);
    const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg)}`)).toEqual([]);
  });

  it('is clean for @arethetypeswrong (its esm-only profile: no CommonJS resolutions)', async () => {
    const result = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(t.file))));
    const problems = 'problems' in result ? result.problems : [];
    // What `attw --profile esm-only` ignores: the CommonJS-era resolutions (node10, node16 from
    // CommonJS), which cannot load an ES-module-only package at run time either (Node >= 20.19
    // require()s it; older Node says to import() it).
    const ignored = new Set(['node10', 'node16-cjs']);
    const real = problems.filter((p) => !('resolutionKind' in p && ignored.has(p.resolutionKind)));
    expect(real).toEqual([]);
    expect('types' in result && result.types).toBeTruthy();
  });
});
