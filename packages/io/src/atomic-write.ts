/**
 * Writes `data` to the file at `path` so that a crash at any moment leaves either the old file or
 * the new one, never a torn mix: the bytes go to a temporary file in the same folder (a rename is
 * atomic only within one file system), are flushed to disk, and the temporary file is renamed over
 * the target. Missing folders are created. Node only: `node:fs` is imported when a file is written,
 * so browser bundles of this package stay free of it.
 *
 * @example
 * await writeFileAtomic('out/model.json', JSON.stringify(model));
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
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
  await syncFolder(fs, dir);
}

type Fs = typeof import('node:fs/promises');

// The rename itself lives in the folder's entry list; flushing the folder makes it durable. Some
// platforms (Windows) cannot open a folder for syncing: the write is then as durable as they allow.
async function syncFolder(fs: Fs, dir: string): Promise<void> {
  let handle: Awaited<ReturnType<Fs['open']>> | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here; the rename is still atomic
  } finally {
    await handle?.close();
  }
}
