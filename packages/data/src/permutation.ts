import { ValueError } from '@nn/tensor';
import { fillRandom, randpermArray } from '@nn/tensor/internal';

/**
 * Where shuffles come from: the process-wide seeded generator (`manualSeed`) by default, or a
 * private stream when a seed is given, so a loader's order does not shift when the model's
 * initialisation draws more or fewer numbers.
 */
export class Shuffler {
  readonly #seed: number | undefined;
  #counter = 0;

  constructor(seed?: number) {
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) {
      throw new ValueError(`seed must be a non-negative integer, got ${seed}`);
    }
    this.#seed = seed;
  }

  /** The next permutation of 0..n-1. */
  next(n: number): Int32Array {
    if (this.#seed === undefined) return randpermArray(n);
    const perm = seededPermutation(n, this.#seed, this.#counter);
    this.#counter += n;
    return perm;
  }
}

/** Fisher-Yates driven by Threefry draws (key = seed, counters from `counter`): same order everywhere. */
export function seededPermutation(n: number, seed: number, counter = 0): Int32Array {
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`permutation: n must be a non-negative integer, got ${n}`);
  const u = new Float64Array(n);
  const key: [number, number] = [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
  fillRandom(u, { dist: 'uniform', key, counter, a: 0, b: 1 }, false);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}
