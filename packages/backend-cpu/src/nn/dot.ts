/** The 16 sums of the last dot4x4 call, row-major: acc[r * 4 + c] = A row r · B row c. */
export const acc = new Float64Array(16);

/**
 * Dot products of 4 rows of A with 4 rows of B over `len` contiguous elements (rows start at the
 * given offsets). Sixteen running sums stay in registers and each step loads 8 values, so this is
 * the register-blocked core of every conv kernel; callers repeat an offset to fill a partial block.
 */
export function dot4x4(
  A: Float64Array,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  B: Float64Array,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  len: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let t = 0; t < len; t++) {
    const x0 = A[a0 + t], x1 = A[a1 + t], x2 = A[a2 + t], x3 = A[a3 + t];
    const y0 = B[b0 + t], y1 = B[b1 + t], y2 = B[b2 + t], y3 = B[b3 + t];
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  acc[0] = c00; acc[1] = c01; acc[2] = c02; acc[3] = c03;
  acc[4] = c10; acc[5] = c11; acc[6] = c12; acc[7] = c13;
  acc[8] = c20; acc[9] = c21; acc[10] = c22; acc[11] = c23;
  acc[12] = c30; acc[13] = c31; acc[14] = c32; acc[15] = c33;
}
