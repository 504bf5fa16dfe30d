import type { TensorView, TypedArray, UnaryOp } from '@nn/tensor';
import { erf } from './erf.js';
import { alloc, contiguousStridesOf, makeNest, Rows, rowsOf, sizeOfShape } from './strided.js';

/** One run of a unary kernel: out[o..o+n) from x[i], x[i+s], ... with up to two parameters. */
type Row = (
  out: TypedArray,
  o: number,
  x: TypedArray,
  i: number,
  s: number,
  n: number,
  p0: number,
  p1: number,
) => void;

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Logistic function without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** torch.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Math.pow with C's pow at the corners where JavaScript differs (1^y and (-1)^±inf are 1). */
export function powC(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

const ROWS: Record<UnaryOp, Row> = {
  neg: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = -x[i];
  },
  abs: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.abs(x[i]);
  },
  sign: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
  },
  exp: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.exp(x[i]);
  },
  log: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.log(x[i]);
  },
  sqrt: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.sqrt(x[i]);
  },
  rsqrt: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = 1 / Math.sqrt(x[i]);
  },
  reciprocal: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = 1 / x[i];
  },
  square: (out, o, x, i, s, n) => {
    if (x instanceof Int32Array) {
      // int32 products wrap like PyTorch's; a double product would round first.
      for (let j = 0; j < n; j++, i += s) out[o + j] = Math.imul(x[i], x[i]);
    } else {
      for (let j = 0; j < n; j++, i += s) out[o + j] = x[i] * x[i];
    }
  },
  sin: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.sin(x[i]);
  },
  cos: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.cos(x[i]);
  },
  tanh: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.tanh(x[i]);
  },
  sigmoid: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = sigmoid(x[i]);
  },
  erf: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = erf(x[i]);
  },
  log1p: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.log1p(x[i]);
  },
  expm1: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.expm1(x[i]);
  },
  floor: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.floor(x[i]);
  },
  ceil: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = Math.ceil(x[i]);
  },
  round: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = roundHalfEven(x[i]);
  },
  relu: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = v > 0 || Number.isNaN(v) ? v : 0;
    }
  },
  logicalNot: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) out[o + j] = x[i] === 0 ? 1 : 0;
  },
  leakyRelu: (out, o, x, i, s, n, slope) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = v > 0 ? v : v * slope;
    }
  },
  elu: (out, o, x, i, s, n, alpha) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = v > 0 ? v : alpha * Math.expm1(v);
    }
  },
  selu: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v));
    }
  },
  gelu: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = 0.5 * v * (1 + erf(v * SQRT_HALF));
    }
  },
  geluTanh: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    }
  },
  softplus: (out, o, x, i, s, n, beta, threshold) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      const bx = beta * v;
      out[o + j] = bx > threshold ? v : Math.log1p(Math.exp(bx)) / beta;
    }
  },
  silu: (out, o, x, i, s, n) => {
    for (let j = 0; j < n; j++, i += s) {
      const v = x[i];
      out[o + j] = v * sigmoid(v);
    }
  },
  clamp: (out, o, x, i, s, n, lo, hi) => {
    // max-then-min like PyTorch: NaN passes through, and min > max yields max everywhere.
    for (let j = 0; j < n; j++, i += s) {
      let v = x[i];
      if (v < lo) v = lo;
      if (v > hi) v = hi;
      out[o + j] = v;
    }
  },
  powScalar: (out, o, x, i, s, n, e) => {
    if (e === 2) {
      for (let j = 0; j < n; j++, i += s) out[o + j] = x[i] * x[i];
    } else {
      for (let j = 0; j < n; j++, i += s) out[o + j] = powC(x[i], e);
    }
  },
};

export function unary(op: UnaryOp, x: TensorView, params: readonly number[]): TypedArray {
  const size = sizeOfShape(x.shape);
  const out = alloc(op === 'logicalNot' ? 'bool' : x.dtype, size);
  if (size === 0) return out;
  const row = ROWS[op];
  const p0 = params[0] ?? 0;
  const p1 = params[1] ?? 0;
  const src = x.storage as TypedArray;
  const nest = makeNest(x.shape, [contiguousStridesOf(x.shape), x.strides]);
  const rows = new Rows(nest, [0, x.offset]);
  const count = rowsOf(nest);
  const n = nest.inner;
  const s = nest.innerStrides[1];
  for (let r = 0; r < count; r++) {
    row(out, rows.offsets[0], src, rows.offsets[1], s, n, p0, p1);
    rows.next();
  }
  return out;
}
