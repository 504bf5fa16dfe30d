/**
 * Plain-loop reference implementations on JS arrays: the oracle the property tests compare the
 * backend against. Deliberately naive (index arithmetic only), so they are easy to trust.
 */

/** A row-major n-d array. */
export interface Nd {
  shape: number[];
  data: number[];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/** The element of `x` that position `idx` of a broadcast result reads. */
function readBroadcast(x: Nd, idx: readonly number[]): number {
  const lead = idx.length - x.shape.length;
  const own = x.shape.map((d, i) => (d === 1 ? 0 : idx[lead + i]));
  return x.data[ravel(own, x.shape)];
}

/** An element-wise op over any number of broadcast operands. */
export function broadcastMap(operands: Nd[], f: (...v: number[]) => number): Nd {
  const shape = broadcastShape(...operands.map((o) => o.shape));
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    data.push(f(...operands.map((o) => readBroadcast(o, idx))));
  }
  return { shape, data };
}

/** Sum, mean or max over `dims` (sorted, distinct), optionally keeping them as size 1. */
export function reduce(x: Nd, dims: readonly number[], keepdim: boolean, op: 'sum' | 'mean' | 'max'): Nd {
  const kept = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const acc = new Array<number>(sizeOf(kept)).fill(op === 'max' ? Number.NEGATIVE_INFINITY : 0);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (dims.includes(d) ? 0 : v));
    const o = ravel(idx, kept);
    acc[o] = op === 'max' ? Math.max(acc[o], x.data[i]) : acc[o] + x.data[i];
  }
  if (op === 'mean') {
    const n = dims.reduce((a, d) => a * x.shape[d], 1);
    for (let i = 0; i < acc.length; i++) acc[i] /= n;
  }
  return { shape: keepdim ? kept : x.shape.filter((_, i) => !dims.includes(i)), data: acc };
}

export function permute(x: Nd, dims: readonly number[]): Nd {
  const shape = dims.map((d) => x.shape[d]);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(x.shape.length);
    dims.forEach((d, k) => {
      src[d] = idx[k];
    });
    data.push(x.data[ravel(src, x.shape)]);
  }
  return { shape, data };
}

export interface Slice {
  start: number | null;
  stop: number | null;
  step: number;
}

/** Python's slice.indices for a positive step: the positions a slice picks from a dim of `size`. */
export function slicePositions(s: Slice, size: number): number[] {
  const clampTo = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const out: number[] = [];
  for (let i = clampTo(s.start, 0); i < clampTo(s.stop, size); i += s.step) out.push(i);
  return out;
}

/** x[s0, s1, ...] with one slice per dim. */
export function slice(x: Nd, slices: readonly Slice[]): Nd {
  const picks = x.shape.map((d, i) => slicePositions(slices[i], d));
  const shape = picks.map((p) => p.length);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape).map((v, d) => picks[d][v]);
    data.push(x.data[ravel(idx, x.shape)]);
  }
  return { shape, data };
}

export function expand(x: Nd, shape: readonly number[]): Nd {
  return broadcastMap([x, { shape: [...shape], data: new Array<number>(sizeOf(shape)).fill(0) }], (v) => v);
}

/** A small seeded generator (mulberry32) for reproducible test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Quarter-integers in [-8, 8]: exact in float32, so sums and products compare exactly. */
export function quarterValues(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.round((r() * 16 - 8) * 4) / 4);
}

/** A seeded random permutation of 0..n-1. */
export function permutation(n: number, seed: number): number[] {
  const r = rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
