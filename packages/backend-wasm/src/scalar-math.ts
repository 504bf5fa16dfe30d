import type { UnaryOp } from '@nn/tensor';

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * erf to double precision: erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!, a series of
 * positive terms (no cancellation); past |x| = 6, 1 - erf is below double precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 400; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

/** C's pow, which PyTorch follows where JavaScript's ** differs: 1^y = 1 and (-1)^(+-inf) = 1, even for NaN y. */
export function cPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY)) return 1;
  return x ** y;
}

/** Round half to even, as PyTorch does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** The scalar function of a unary op with its parameters bound. */
export function unaryFn(op: UnaryOp, params: readonly number[]): (x: number) => number {
  const p0 = params[0];
  const p1 = params[1];
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'abs':
      return Math.abs;
    case 'sign':
      // PyTorch's (0 < x) - (x < 0): NaN and -0 give 0.
      return (x) => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'reciprocal':
      return (x) => 1 / x;
    case 'square':
      return (x) => x * x;
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return sigmoid;
    case 'erf':
      return erf;
    case 'log1p':
      return Math.log1p;
    case 'expm1':
      return Math.expm1;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      return roundHalfEven;
    case 'relu':
      return (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0);
    case 'logicalNot':
      return (x) => (x === 0 ? 1 : 0);
    case 'leakyRelu':
      return (x) => (x > 0 ? x : x * p0);
    case 'elu':
      return (x) => (x > 0 ? x : p0 * Math.expm1(x));
    case 'selu':
      return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x * SQRT1_2));
    case 'geluTanh':
      return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'softplus':
      return (x) => (x * p0 > p1 ? x : Math.log1p(Math.exp(x * p0)) / p0);
    case 'silu':
      return (x) => x * sigmoid(x);
    case 'clamp':
      // max, then min (PyTorch): NaN passes through, and min > max gives max everywhere.
      return (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, p0), p1));
    case 'powScalar':
      return (x) => cPow(x, p0);
  }
}
