/**
 * The order `argsort` kernels produce, for backends that sort on the host (cpu, wasm): stable
 * (equal values keep their order), NaN sorting as the largest value (last ascending, first
 * descending), as PyTorch's `sort(stable=True)`.
 */

/** Positions 0..n-1 of `keys` in sorted order. */
export function sortedPositions(keys: ArrayLike<number>, descending: boolean): Int32Array {
  const n = keys.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sign = descending ? -1 : 1;
  // Ties broken by position make the comparison a total order, so any sort gives the stable result.
  order.sort((i, j) => {
    const a = keys[i];
    const b = keys[j];
    if (a < b) return -sign;
    if (a > b) return sign;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an !== bn) return an ? sign : -sign;
    return i - j;
  });
  return order;
}

/**
 * Sorts every row along `axis` of a contiguous array of `shape` (read from `src` at `offset`) and
 * writes each row's positions into `out` (contiguous, same shape).
 */
export function argsortContiguous(
  src: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  axis: number,
  descending: boolean,
  out: Int32Array | { [i: number]: number },
  outOffset = 0,
): void {
  const len = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  const keys = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      for (let j = 0; j < len; j++) keys[j] = src[offset + base + j * inner];
      const order = sortedPositions(keys, descending);
      for (let j = 0; j < len; j++) out[outOffset + base + j * inner] = order[j];
    }
  }
}
