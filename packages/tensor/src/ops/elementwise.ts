import { type BinaryOp, COMPARISON_OPS, type UnaryOp } from '../backend.js';
import { type DType, isFloat, promoteTypes, promoteWithScalar } from '../dtype.js';
import { recordOp } from '../engine.js';
import { DTypeError, fmtShape, ValueError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertDTypeSupported, assertTensor, backendOf, fromStorage } from './util.js';

/** Unary ops whose result is a float even for integer input (PyTorch promotes). */
const FLOAT_RESULT: ReadonlySet<UnaryOp> = new Set<UnaryOp>([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'erf',
  'log1p',
  'expm1',
  'elu',
  'selu',
  'gelu',
  'geluTanh',
  'softplus',
  'silu',
  'leakyRelu',
  'powScalar',
]);

/** Converts a tensor to another dtype (a copy); returns `x` itself when the dtype already matches. */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor('cast', 'input', x);
  if (x.dtype === dtype) return x;
  const b = backendOf('cast', x);
  assertDTypeSupported('cast', b, dtype);
  const y = fromStorage(b, b.cast(x, dtype), dtype, x.shape);
  if (isFloat(dtype) && isFloat(x.dtype)) recordOp('cast', [x], [y], { dtype });
  return y;
}

/** Runs one unary kernel; the recorded op name is the kernel's. */
export function unary(op: UnaryOp, x: Tensor, params: readonly number[] = []): Tensor {
  assertTensor(op, 'input', x);
  const b = backendOf(op, x);
  if (op === 'logicalNot') {
    const xb = cast(x, 'bool');
    const y = fromStorage(b, b.unary('logicalNot', xb, params), 'bool', x.shape);
    if (xb !== x) xb.dispose();
    return y;
  }
  if (x.dtype === 'bool' && op !== 'abs' && op !== 'relu') {
    throw new DTypeError(
      `${op}: not defined for bool tensors (shape ${fmtShape(x.shape)}); cast first with .to('float32')`,
    );
  }
  const input = FLOAT_RESULT.has(op) && !isFloat(x.dtype) ? cast(x, 'float32') : x;
  const y = fromStorage(b, b.unary(op, input, params), input.dtype, x.shape);
  recordOp(op, [input], [y], { params });
  if (input !== x) input.dispose();
  return y;
}

function resultDType(op: BinaryOp, a: Tensor | number, b: Tensor | number): DType {
  if (op === 'logicalAnd' || op === 'logicalOr') return 'bool';
  let dt: DType;
  if (a instanceof Tensor && b instanceof Tensor) dt = promoteTypes(a.dtype, b.dtype);
  else if (a instanceof Tensor) dt = promoteWithScalar(a.dtype, b as number);
  else dt = promoteWithScalar((b as Tensor).dtype, a as number);
  if ((op === 'div' || op === 'pow') && !isFloat(dt)) return 'float32';
  if (dt === 'bool' && !COMPARISON_OPS.has(op))
    return op === 'maximum' || op === 'minimum' || op === 'mul' ? 'bool' : 'int32';
  return dt;
}

/** Runs one binary kernel with broadcasting and type promotion. */
export function binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  const aT = a instanceof Tensor;
  const bT = b instanceof Tensor;
  if (!aT && !bT) throw new ValueError(`${op}: at least one argument must be a Tensor`);
  for (const [name, v] of [
    ['input', a],
    ['other', b],
  ] as const) {
    if (!(v instanceof Tensor) && typeof v !== 'number') {
      throw new ValueError(
        `${op}: ${name} must be a Tensor or a number, got ${v === null ? 'null' : typeof v}`,
      );
    }
  }
  const backend = backendOf(op, a, b);
  const dt = resultDType(op, a, b);
  const outShape =
    aT && bT ? broadcastShapes(op, (a as Tensor).shape, (b as Tensor).shape) : ((aT ? a : b) as Tensor).shape;
  const ca = aT ? cast(a as Tensor, dt) : (a as number);
  const cb = bT ? cast(b as Tensor, dt) : (b as number);
  const outDType = COMPARISON_OPS.has(op) ? 'bool' : dt;
  const y = fromStorage(backend, backend.binary(op, ca, cb, outShape), outDType, outShape);
  if (!COMPARISON_OPS.has(op)) {
    if (ca instanceof Tensor && cb instanceof Tensor) recordOp(op, [ca, cb], [y]);
    else if (ca instanceof Tensor)
      recordOp(`${op}:scalar`, [ca], [y], { value: cb as number, reversed: false });
    else recordOp(`${op}:scalar`, [cb as Tensor], [y], { value: ca as number, reversed: true });
  }
  if (ca instanceof Tensor && ca !== a) ca.dispose();
  if (cb instanceof Tensor && cb !== b) cb.dispose();
  return y;
}

/** a + alpha * b */
export function add(a: Tensor | number, b: Tensor | number, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  if (alpha === 1) return binary('add', a, b);
  const scaled = mul(b, alpha);
  const out = binary('add', a, scaled);
  scaled.dispose();
  return out;
}

/** a - alpha * b */
export function sub(a: Tensor | number, b: Tensor | number, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  if (alpha === 1) return binary('sub', a, b);
  const scaled = mul(b, alpha);
  const out = binary('sub', a, scaled);
  scaled.dispose();
  return out;
}

export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary('mul', a, b);
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary('div', a, b);
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary('maximum', a, b);
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary('minimum', a, b);
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => binary('eq', a, b);
export const ne = (a: Tensor | number, b: Tensor | number): Tensor => binary('ne', a, b);
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => binary('lt', a, b);
export const le = (a: Tensor | number, b: Tensor | number): Tensor => binary('le', a, b);
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => binary('gt', a, b);
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => binary('ge', a, b);
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => binary('logicalAnd', a, b);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => binary('logicalOr', a, b);
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

/** base ** exponent: tensor or number on either side. */
export function pow(base: Tensor | number, exponent: Tensor | number): Tensor {
  if (base instanceof Tensor && typeof exponent === 'number') {
    if (exponent === 1) return mul(base, 1);
    return unary('powScalar', base, [exponent]);
  }
  return binary('pow', base, exponent);
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
export const round = (x: Tensor): Tensor => unary('round', x);

/** Limits values to [min, max]; either bound may be left out. */
export function clamp(x: Tensor, options: { min?: number; max?: number }): Tensor {
  const min = options?.min;
  const max = options?.max;
  if (min === undefined && max === undefined)
    throw new ValueError('clamp: at least one of min or max must be given');
  if ((min !== undefined && Number.isNaN(min)) || (max !== undefined && Number.isNaN(max))) {
    throw new ValueError(`clamp: bounds must not be NaN, got min=${min}, max=${max}`);
  }
  return unary('clamp', x, [min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY]);
}
export const clampMin = (x: Tensor, min: number): Tensor => clamp(x, { min });
export const clampMax = (x: Tensor, max: number): Tensor => clamp(x, { max });

/** Picks `a` where `condition` is true, else `b` (with broadcasting of all three). */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  assertTensor('where', 'condition', condition);
  if (condition.dtype !== 'bool') {
    throw new DTypeError(
      `where: condition must be a bool tensor, got ${condition.dtype} of shape ${fmtShape(condition.shape)}`,
    );
  }
  const backend = backendOf('where', condition, a, b);
  const aT = a instanceof Tensor ? a : null;
  const bT = b instanceof Tensor ? b : null;
  let dt: DType;
  if (aT && bT) dt = promoteTypes(aT.dtype, bT.dtype);
  else if (aT) dt = promoteWithScalar(aT.dtype, b as number);
  else if (bT) dt = promoteWithScalar(bT.dtype, a as number);
  else dt = Number.isInteger(a) && Number.isInteger(b) ? 'float32' : 'float32';
  const toT = (v: Tensor | number): Tensor =>
    v instanceof Tensor ? cast(v, dt) : fromStorage(backend, backend.fill(1, dt, v), dt, []);
  const ta = toT(a);
  const tb = toT(b);
  const outShape = broadcastShapes('where', broadcastShapes('where', condition.shape, ta.shape), tb.shape);
  const y = fromStorage(backend, backend.where(condition, ta, tb, outShape), dt, outShape);
  recordOp('where', [condition, ta, tb], [y]);
  if (ta !== a) ta.dispose();
  if (tb !== b) tb.dispose();
  return y;
}
