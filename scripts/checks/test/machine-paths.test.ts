import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { machinePaths } from '../machine-paths.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

it('no committed file names a path of this machine', () => {
  expect(machinePaths(root)).toEqual([]);
});

it('names the file and line that does, and passes URLs and relative paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-paths-'));
  try {
    mkdirSync(join(dir, 'test'));
    // Built from pieces so that this file does not name such a path itself.
    const work = ['', 'work', 'shared', 'reference'].join('/');
    const scratch = ['', 'tmp', 'x.json'].join('/');
    writeFileSync(join(dir, 'test', 'a.ts'), `const ok = './fixtures/work/a';\nconst bad = '${work}';\n`);
    writeFileSync(join(dir, 'README.md'), `see https://example.org/work/x\n\nwrites ${scratch}\n`);
    expect(machinePaths(dir).sort()).toEqual(['README.md:3', 'test/a.ts:2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
