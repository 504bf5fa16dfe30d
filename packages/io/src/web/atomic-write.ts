// writeFileAtomic where the package was resolved without the `node` condition (browsers, workers).
import { PlatformError } from '@nn/tensor';

export async function writeFileAtomic(path: string, _data: string | Uint8Array): Promise<void> {
  throw new PlatformError(
    `writeFileAtomic('${path}'): writing files needs the file system of Node.js; this build of @nn/io was resolved for a browser`,
  );
}
