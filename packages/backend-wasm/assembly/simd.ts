// SIMD arithmetic shared by the GEMM and convolution kernels.

/**
 * c + a * b. In the relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD, a compile-time constant, so the
 * other branch is never compiled) one relaxed_madd, which engines lower to a fused multiply-add
 * where the CPU has one: half the instructions of mul + add, which is what bounds the baseline
 * kernel (instruction issue, not arithmetic). The result may differ from mul + add in the last bit.
 */
// @ts-expect-error: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
