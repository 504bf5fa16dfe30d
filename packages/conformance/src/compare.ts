import type { Tensor } from '@nn/tensor';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/**
 * numpy.allclose element by element; returns null when close, else a message naming the worst
 * element. NaN only matches NaN and infinities only themselves, as with `equal_nan=True`.
 */
export function closeMismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
): string | null {
  if (got.length !== want.length) return `expected ${want.length} values, got ${got.length}`;
  let worst = -1;
  let worstExcess = -Infinity;
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = closeExcess(got[i], want[i], tol);
    if (excess <= 0) continue;
    bad++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (bad === 0) return null;
  return `${bad} of ${want.length} values differ beyond rtol ${tol.rtol}, atol ${tol.atol}; worst at flat index ${worst}: got ${got[worst]}, expected ${want[worst]}`;
}

/** How far |g - w| is beyond atol + rtol * |w| (<= 0: close; Infinity: a NaN or infinity mismatch). */
function closeExcess(g: number, w: number, tol: Tolerance): number {
  if (Number.isNaN(w) || Number.isNaN(g)) return Number.isNaN(w) && Number.isNaN(g) ? 0 : Infinity;
  if (!Number.isFinite(w) || !Number.isFinite(g)) return g === w ? 0 : Infinity;
  return Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
}

/** Exact equality (int and bool outputs). */
export function exactMismatch(got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  if (got.length !== want.length) return `expected ${want.length} values, got ${got.length}`;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i])
      return `value at flat index ${i}: got ${got[i]}, expected ${want[i]} (exact match required)`;
  }
  return null;
}

export function shapeMismatch(got: readonly number[], want: readonly number[]): string | null {
  const same = got.length === want.length && got.every((d, i) => d === want[i]);
  return same ? null : `shape [${got.join(',')}], expected [${want.join(',')}]`;
}

/** Reads a tensor's values as plain numbers (always through the async path: webgpu cannot read synchronously). */
export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}
