// Reused double buffers: conv runs once per layer per step, so growing one array beats
// allocating a fresh im2col matrix every call.
const pool: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];

/** Scratch buffer `slot` (0..2) with room for n doubles; contents are stale unless `zero`. */
export function scratch(slot: number, n: number, zero = false): Float64Array {
  let buf = pool[slot];
  if (buf.length < n) {
    buf = new Float64Array(Math.max(n, Math.ceil(buf.length * 1.5)));
    pool[slot] = buf;
    return buf.subarray(0, n);
  }
  const view = buf.subarray(0, n);
  if (zero) view.fill(0);
  return view;
}
