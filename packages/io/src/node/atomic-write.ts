// Node's implementation of writeFileAtomic (see ../atomic-write.ts); browsers get ../web/atomic-write.ts.
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const tmp = join(
    dir,
    `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    // Flushed before the rename: otherwise a power cut after the rename could leave an empty file.
    await handle.sync();
    await handle.close();
    await fs.rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(dir);
}

// The rename itself lives in the folder's entry list; flushing the folder makes it durable. Some
// platforms (Windows) cannot open a folder for syncing: the write is then as durable as they allow.
async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here; the rename is still atomic
  } finally {
    await handle?.close();
  }
}
