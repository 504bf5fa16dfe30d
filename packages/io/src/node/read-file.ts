// Node's file reading for the loaders (see ../source.ts); browsers get ../web/read-file.ts.
import { open } from 'node:fs/promises';
import { SourceError } from '../errors.js';
import type { RandomAccessFile } from '../random-access.js';

/** Opens `path` for reading piece by piece. */
export async function openFile(op: string, path: string | URL): Promise<RandomAccessFile> {
  const handle = await open(path, 'r');
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
