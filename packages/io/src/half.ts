// Conversions between float32 and the two 16-bit float formats, bit-exact with PyTorch's. They
// work on bit patterns (u32 for float32) so that NaN payloads, signalling ones included, survive:
// a JavaScript number would quiet them.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half (F16) bits to the bits of the float32 they denote (exact, subnormals included). */
export function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (frac << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (frac << 13)) >>> 0;
  // Subnormal (or zero): frac · 2^-24, a normal float32 once its leading 1 is found.
  f32[0] = frac * 2 ** -24;
  return (u32[0] | sign) >>> 0;
}

/**
 * float32 bits to IEEE half bits, rounding to nearest even as PyTorch's `.half()`: overflow gives
 * ±inf. A NaN keeps its sign and the top of its payload, made quiet: the usual NaN gives 0x7e00
 * as PyTorch does, and a NaN read from an F16 file is written back bit for bit.
 */
export function floatBitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? mant >> 13 || 0x200 : 0);
  // Unbiased exponent of the value; half normals cover -14..15.
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal half: keep 10 mantissa bits, round the 13 dropped ones to nearest even. A carry out
    // of the mantissa moves into the exponent, which is still the right value (or infinity).
    let h = ((e + 15) << 10) | (mant >> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h += 1;
    return sign | h;
  }
  if (e < -25) return sign; // below half the smallest subnormal: rounds to zero
  // Subnormal half: the value in units of 2^-24 is (1.mant · 2^23) · 2^(e + 1); round the
  // shifted-out bits to nearest even.
  const full = mant | 0x800000;
  const shift = -e - 1;
  const m = full >>> shift;
  const dropped = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return sign | (dropped > halfway || (dropped === halfway && m & 1) ? m + 1 : m);
}

/** bfloat16 bits to float32 bits: the upper half of a float32. */
export function bfloatToFloatBits(b: number): number {
  return (b << 16) >>> 0;
}

/**
 * float32 bits to bfloat16 bits, rounding to nearest even as PyTorch. A NaN keeps its sign and
 * the top of its payload, made quiet (the usual NaN gives 0x7fc0 as PyTorch; a NaN read from a
 * BF16 file is written back bit for bit).
 */
export function floatBitsToBfloat(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) {
    const top = x >>> 16;
    return top & 0x7f ? top : top | 0x40;
  }
  const bias = ((x >>> 16) & 1) + 0x7fff;
  return ((x + bias) >>> 16) & 0xffff;
}

/** The float32 value of F16 bits (for tests and single values). */
export function halfToFloat(h: number): number {
  u32[0] = halfToFloatBits(h);
  return f32[0];
}

/** F16 bits of a number, rounded to float32 first. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  return floatBitsToHalf(u32[0]);
}

export function bfloatToFloat(b: number): number {
  u32[0] = bfloatToFloatBits(b);
  return f32[0];
}

export function floatToBfloat(value: number): number {
  f32[0] = value;
  return floatBitsToBfloat(u32[0]);
}
