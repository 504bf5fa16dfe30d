// f32 unary kernels over contiguous input. Simple ops run 4 lanes at a time; transcendental ones
// evaluate in f64 (as the host reference does) and round once.

export const NEG = 0;
export const ABS = 1;
export const RELU = 2;
export const SQUARE = 3;
export const SQRT = 4;
export const RSQRT = 5;
export const RECIPROCAL = 6;
export const FLOOR = 7;
export const CEIL = 8;
export const ROUND = 9;
export const CLAMP = 10;
export const LEAKY_RELU = 11;
export const EXP = 12;
export const LOG = 13;
export const TANH = 14;
export const SIGMOID = 15;
export const SILU = 16;

// @ts-expect-error: decorator
@inline
function simd(op: i32, v: v128, p0: v128, p1: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(v);
    case ABS: return f32x4.abs(v);
    // relu keeps NaN: max(NaN, 0) propagates it, as PyTorch does.
    case RELU: return f32x4.max(v, f32x4.splat(0));
    case SQUARE: return f32x4.mul(v, v);
    case SQRT: return f32x4.sqrt(v);
    case RSQRT: return f32x4.div(f32x4.splat(1), f32x4.sqrt(v));
    case RECIPROCAL: return f32x4.div(f32x4.splat(1), v);
    case FLOOR: return f32x4.floor(v);
    case CEIL: return f32x4.ceil(v);
    case ROUND: return f32x4.nearest(v);
    case CLAMP: return f32x4.min(f32x4.max(v, p0), p1);
    default: return v128.bitselect(v, f32x4.mul(v, p0), f32x4.gt(v, f32x4.splat(0)));
  }
}

// @ts-expect-error: decorator
@inline
function scalar(op: i32, x: f32, p0: f32, p1: f32): f32 {
  const d = <f64>x;
  switch (op) {
    case EXP: return <f32>Math.exp(d);
    case LOG: return <f32>Math.log(d);
    case TANH: return <f32>Math.tanh(d);
    case SIGMOID: return <f32>(d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d)));
    default: return <f32>(d >= 0 ? d / (1 + Math.exp(-d)) : d * Math.exp(d) / (1 + Math.exp(d)));
  }
}

// @ts-expect-error: decorator
@inline
function simdLoop(op: i32, out: usize, x: usize, n: i32, a: f32, b: f32): void {
  const p0 = f32x4.splat(a);
  const p1 = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, simd(op, v128.load(x + o), p0, p1));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = f32x4.extract_lane(simd(op, f32x4.splat(load<f32>(x + o)), p0, p1), 0);
    store<f32>(out + o, v);
  }
}

// @ts-expect-error: decorator
@inline
function scalarLoop(op: i32, out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, scalar(op, load<f32>(x + o), 0, 0));
  }
}

export function unaryF32(op: i32, out: usize, x: usize, n: i32, p0: f32, p1: f32): void {
  switch (op) {
    case NEG: simdLoop(NEG, out, x, n, p0, p1); break;
    case ABS: simdLoop(ABS, out, x, n, p0, p1); break;
    case RELU: simdLoop(RELU, out, x, n, p0, p1); break;
    case SQUARE: simdLoop(SQUARE, out, x, n, p0, p1); break;
    case SQRT: simdLoop(SQRT, out, x, n, p0, p1); break;
    case RSQRT: simdLoop(RSQRT, out, x, n, p0, p1); break;
    case RECIPROCAL: simdLoop(RECIPROCAL, out, x, n, p0, p1); break;
    case FLOOR: simdLoop(FLOOR, out, x, n, p0, p1); break;
    case CEIL: simdLoop(CEIL, out, x, n, p0, p1); break;
    case ROUND: simdLoop(ROUND, out, x, n, p0, p1); break;
    case CLAMP: simdLoop(CLAMP, out, x, n, p0, p1); break;
    case LEAKY_RELU: simdLoop(LEAKY_RELU, out, x, n, p0, p1); break;
    case EXP: scalarLoop(EXP, out, x, n); break;
    case LOG: scalarLoop(LOG, out, x, n); break;
    case TANH: scalarLoop(TANH, out, x, n); break;
    case SIGMOID: scalarLoop(SIGMOID, out, x, n); break;
    default: scalarLoop(SILU, out, x, n); break;
  }
}
