import type { RandomSpec } from './backend.js';

// Threefry-2x32 with 20 rounds: a counter-based generator built from 32-bit add, rotate and
// xor only, so the cpu, wasm and WGSL kernels produce the same bits from the same counters.
const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

/** Threefry-2x32-20 of counter (c0, c1) under key (k0, k1); writes two uint32 into `out`. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Uint32Array): void {
  const ks0 = k0 >>> 0;
  const ks1 = k1 >>> 0;
  const ks2 = (ks0 ^ ks1 ^ 0x1bd11bda) >>> 0;
  const ks = [ks0, ks1, ks2];
  let x0 = (c0 + ks0) >>> 0;
  let x1 = (c1 + ks1) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    const s = ROT[r & 7];
    x1 = ((x1 << s) | (x1 >>> (32 - s))) >>> 0;
    x1 = (x1 ^ x0) >>> 0;
    if ((r & 3) === 3) {
      const inj = (r + 1) >> 2;
      x0 = (x0 + ks[inj % 3]) >>> 0;
      x1 = (x1 + ks[(inj + 1) % 3] + inj) >>> 0;
    }
  }
  out[0] = x0;
  out[1] = x1;
}

const TWO_POW_M24 = 1 / 16777216;
const TWO_POW_32 = 4294967296;

/**
 * Fills `out` with draws i = 0..n-1 of `spec`, the reference every backend's `random` kernel
 * reproduces: uniform = a + (b - a) * u with u = (x0 >>> 8) / 2^24 (int32 outputs take the
 * floor), normal = a + b * sqrt(-2 ln u1) cos(2 pi u2) (Box-Muller) with u1 = ((x0 >>> 8) + 1) / 2^24.
 */
export function fillRandom(
  out: { [i: number]: number; length: number },
  spec: RandomSpec,
  integer: boolean,
): void {
  const bits = new Uint32Array(2);
  const [k0, k1] = spec.key;
  const { a, b } = spec;
  for (let i = 0; i < out.length; i++) {
    const c = spec.counter + i;
    threefry2x32(k0, k1, c >>> 0, Math.floor(c / TWO_POW_32) >>> 0, bits);
    let v: number;
    if (spec.dist === 'uniform') {
      v = a + (b - a) * ((bits[0] >>> 8) * TWO_POW_M24);
      if (integer) v = Math.floor(v);
    } else {
      const u1 = ((bits[0] >>> 8) + 1) * TWO_POW_M24;
      const u2 = (bits[1] >>> 8) * TWO_POW_M24;
      v = a + b * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    out[i] = v;
  }
}

/** The process-wide generator: a key and a running counter. */
export interface GeneratorState {
  key: [number, number];
  counter: number;
}

export function seedToKey(seed: number): [number, number] {
  const s = Math.floor(Math.abs(seed));
  return [s >>> 0, Math.floor(s / TWO_POW_32) >>> 0];
}
