// The file system where the package was resolved with the `node` condition; see ../web/files.ts.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@nn/io';

/** Replaces the file atomically: a temporary file in the same folder, flushed, renamed over it. */
export function writeText(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, text);
}

export function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
