// Everything that touches the file system for reading lives here (writes go through
// atomic-write.ts). `node:fs` is imported when a file is read, never at module load, so browser
// bundles of @nn/io stay free of it.
import { SourceError } from './errors.js';

/** An open file read in pieces: the loaders read a header, then one tensor at a time. */
export interface RandomAccessFile {
  readonly size: number;
  /** `length` bytes from `position`, in a fresh (aligned) buffer. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Opens `path` for reading; Node only (elsewhere there is no file system to open). */
export async function openFile(op: string, path: string | URL): Promise<RandomAccessFile> {
  if (!isNode())
    throw new SourceError(
      `${op}: '${String(path)}' is a file path, which only Node can open; in a browser pass a URL, a Blob/File or bytes`,
    );
  const fs = await import('node:fs/promises');
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(position, length) {
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(out, done, length - done, position + done);
          if (bytesRead === 0)
            throw new SourceError(
              `${op}: '${String(path)}' ended at byte ${position + done} (changed while reading?)`,
            );
          done += bytesRead;
        }
        return out;
      },
      close: () => handle.close(),
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
