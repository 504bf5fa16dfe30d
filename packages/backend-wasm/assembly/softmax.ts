// Softmax / log-softmax over contiguous rows of f32 (the last axis). exp runs in f64, as in the
// host reference; each exp is computed once (kept in the output, then scaled).

/** The largest of `len` floats at x (NaN when any is NaN). */
export function rowMax(x: usize, len: i32): f32 {
  let acc = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= len; i += 4) acc = f32x4.max(acc, v128.load(x + (<usize>i << 2)));
  // f32x4.max lets NaN through; fold the lanes the same way.
  acc = f32x4.max(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
  acc = f32x4.max(acc, v128.shuffle<f32>(acc, acc, 1, 0, 3, 2));
  for (; i < len; i++) acc = f32x4.max(acc, f32x4.splat(load<f32>(x + (<usize>i << 2))));
  return f32x4.extract_lane(acc, 0);
}

export function softmaxRowsF32(out: usize, x: usize, rows: i32, len: i32, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * len) << 2);
    const yr = out + ((<usize>r * len) << 2);
    const m = <f64>rowMax(xr, len);
    let sum: f64 = 0;
    if (log != 0) {
      for (let i = 0; i < len; i++) sum += Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - m);
      const lse = m + Math.log(sum);
      for (let i = 0; i < len; i++) store<f32>(yr + (<usize>i << 2), <f32>(<f64>load<f32>(xr + (<usize>i << 2)) - lse));
    } else {
      for (let i = 0; i < len; i++) {
        const e = Math.exp(<f64>load<f32>(xr + (<usize>i << 2)) - m);
        sum += e;
        store<f32>(yr + (<usize>i << 2), <f32>e);
      }
      const inv = <f32>(1 / sum);
      for (let i = 0; i < len; i++) store<f32>(yr + (<usize>i << 2), load<f32>(yr + (<usize>i << 2)) * inv);
    }
  }
}

/** softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy). */
export function softmaxBackwardRowsF32(out: usize, y: usize, dy: usize, rows: i32, len: i32, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = (<usize>r * len) << 2;
    let dot: f64 = 0;
    if (log != 0) {
      for (let i = 0; i < len; i++) dot += <f64>load<f32>(dy + o + (<usize>i << 2));
      for (let i = 0; i < len; i++) {
        const q = o + (<usize>i << 2);
        store<f32>(out + q, <f32>(<f64>load<f32>(dy + q) - Math.exp(<f64>load<f32>(y + q)) * dot));
      }
    } else {
      for (let i = 0; i < len; i++) {
        const q = o + (<usize>i << 2);
        dot += <f64>load<f32>(dy + q) * <f64>load<f32>(y + q);
      }
      for (let i = 0; i < len; i++) {
        const q = o + (<usize>i << 2);
        const yv = <f64>load<f32>(y + q);
        store<f32>(out + q, <f32>(yv * (<f64>load<f32>(dy + q) - dot)));
      }
    }
  }
}
