import { writeFileAtomic as write } from '#platform/atomic-write';

/**
 * Writes `data` to the file at `path` so that a crash at any moment leaves either the old file or
 * the new one, never a torn mix: the bytes go to a temporary file in the same folder (a rename is
 * atomic only within one file system), are flushed to disk, and the temporary file is renamed over
 * the target. Missing folders are created. Node only: browser builds of this package resolve to a
 * version that throws a `PlatformError` (the `node` export condition picks the file system one).
 *
 * @example
 * await writeFileAtomic('out/model.json', JSON.stringify(model));
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  return write(path, data);
}
