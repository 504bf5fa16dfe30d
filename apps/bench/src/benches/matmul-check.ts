/** Checks a float32 n×n product against float64 dot products on a sample of entries. */
import { mulberry32 } from '../rng.js';

export class WrongResultError extends Error {}

/**
 * Entries checked: the last row and the last column in full (edge tiles are where blocked
 * kernels go wrong) and 64 random ones. The bound scales with Σ|a·b|, the size of the rounding.
 */
export function checkMatmul(
  a: Float32Array,
  b: Float32Array,
  c: ArrayLike<number>,
  n: number,
  what: string,
): void {
  if (c.length !== n * n)
    throw new WrongResultError(`${what}: result has ${c.length} values, expected ${n * n}`);
  const entries: [number, number][] = [];
  for (let j = 0; j < n; j++) entries.push([n - 1, j]);
  for (let i = 0; i < n - 1; i++) entries.push([i, n - 1]);
  const next = mulberry32(n * 7919);
  for (let s = 0; s < 64; s++) entries.push([Math.floor(next() * n), Math.floor(next() * n)]);
  for (const [i, j] of entries) {
    let ref = 0;
    let mag = 0;
    for (let k = 0; k < n; k++) {
      const p = a[i * n + k] * b[k * n + j];
      ref += p;
      mag += Math.abs(p);
    }
    const got = c[i * n + j];
    const tol = 5e-4 * mag + 1e-6;
    if (!(Math.abs(got - ref) <= tol)) {
      throw new WrongResultError(
        `${what}: c[${i},${j}] = ${got}, expected ${ref} (tolerance ${tol.toExponential(2)})`,
      );
    }
  }
}
