// The file system where the package was resolved with the `node` condition; see ../web/files.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

export function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
