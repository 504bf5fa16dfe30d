import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bfloatToFloatBits,
  floatBitsToBfloat,
  floatBitsToHalf,
  floatToBfloat,
  floatToHalf,
  halfToFloat,
  halfToFloatBits,
} from '../src/half.js';

describe('16-bit floats', () => {
  it('every F16 and BF16 bit pattern survives widening to float32 and narrowing back', () => {
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if (floatBitsToHalf(halfToFloatBits(h)) !== h) wrong.push(`F16 0x${h.toString(16)}`);
      if (floatBitsToBfloat(bfloatToFloatBits(h)) !== h) wrong.push(`BF16 0x${h.toString(16)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('widens F16 exactly (subnormals, the largest finite, infinities)', () => {
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('narrows float32 to F16 to the nearest half, ties to even, overflow to infinity', () => {
    const f32 = (x: number) => Math.fround(x);
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: f32(-70000), max: f32(70000) }), (x) => {
        const h = floatToHalf(x);
        const y = halfToFloat(h);
        if (Math.abs(x) >= 65520) {
          expect(Math.abs(y)).toBe(Number.POSITIVE_INFINITY);
          return;
        }
        // No other half is closer; on a tie the chosen one is even.
        for (const other of [h - 1, h + 1]) {
          if ((other & 0x7fff) >= 0x7c00 || other < 0) continue;
          const z = halfToFloat(other);
          const dy = Math.abs(y - x);
          const dz = Math.abs(z - x);
          expect(dy <= dz).toBe(true);
          if (dy === dz) expect(h & 1).toBe(0);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('narrows float32 to BF16 to the nearest, ties to even, as PyTorch', () => {
    expect(floatToBfloat(1)).toBe(0x3f80);
    expect(floatToBfloat(0.1)).toBe(0x3dcd);
    expect(floatToBfloat(Number.NaN)).toBe(0x7fc0);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1).
    expect(floatToBfloat(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBfloat(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });
});
