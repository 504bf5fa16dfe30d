// The loaders' file reading where the package was resolved without the `node` condition (browsers).
import { PlatformError } from '@nn/tensor';
import type { RandomAccessFile } from '../random-access.js';

export async function openFile(op: string, path: string | URL): Promise<RandomAccessFile> {
  throw new PlatformError(
    `${op}('${String(path)}'): file paths need Node.js; in a browser pass a URL, a Blob/File or bytes`,
  );
}
