import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/index.js';
import { writeFileAtomic as browserWrite } from '../src/web/atomic-write.js';

describe('writeFileAtomic', () => {
  it('writes text and bytes, creating folders, and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nn-io-'));
    const path = join(dir, 'a', 'b', 'model.json');
    await writeFileAtomic(path, '{"v":1}');
    expect(await readFile(path, 'utf8')).toBe('{"v":1}');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['model.json']);
  });

  it('keeps the old file and removes its temporary file when the write fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nn-io-'));
    const path = join(dir, 'model.json');
    await writeFile(path, 'old');
    // A folder where the file should be: the rename fails after the temporary file was written.
    const blocked = join(dir, 'sub');
    await writeFileAtomic(join(blocked, 'x'), 'x');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'sub']);
  });
});

describe('writeFileAtomic in a browser build', () => {
  it('throws a PlatformError that names the path and why', async () => {
    // What bundlers resolve for @nn/io (no `node` condition): no node:fs import at all.
    const write = browserWrite('out/model.json', 'x');
    await expect(write).rejects.toThrow(PlatformError);
    await expect(write).rejects.toThrow(
      "writeFileAtomic('out/model.json'): writing files needs the file system of Node.js; this build of @nn/io was resolved for a browser",
    );
  });
});
