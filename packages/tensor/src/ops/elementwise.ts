import { type BinaryOp, COMPARISON_OPS, type UnaryOp } from '../backend.js';
import { type DType, isFloat, promoteTypes, promoteWithScalar } from '../dtype.js';
import { recordOp } from '../engine.js';
import { DTypeError, fmtShape, ValueError } from '../errors.js';
import { tidy, tidyIf } from '../memory.js';
import type { ArithmeticOp, UnaryParams } from '../op-table.js';
import { checkOptions } from '../options.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { readArgs } from './dim-args.js';
import { assertDTypeSupported, assertTensor, backendOf, describeValue, fromStorage } from './util.js';

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

/** Runs one unary kernel with its params (`UnaryParams[op]`); the recorded op name is the kernel's. */
export function unary(op: UnaryOp, x: Tensor, params: readonly number[] = []): Tensor {
  assertTensor(op, 'input', x);
  const b = backendOf(op, x);
  if (op === 'logicalNot') {
    return tidyIf(x.dtype !== 'bool', () =>
      fromStorage(b, b.unary('logicalNot', cast(x, 'bool'), params), 'bool', x.shape),
    );
  }
  if (x.dtype === 'bool' && op !== 'abs' && op !== 'relu') {
    throw new DTypeError(
      `${op}: not defined for bool tensors (shape ${fmtShape(x.shape)}); cast first with .to('float32')`,
    );
  }
  const promote = FLOAT_RESULT.has(op) && !isFloat(x.dtype);
  return tidyIf(promote, () => {
    const input = promote ? cast(x, 'float32') : x;
    const y = fromStorage(b, b.unary(op, input, params), input.dtype, x.shape);
    // The public ops pass each kernel its own params (UnaryParams in the op table).
    recordOp(op as 'powScalar', [input], [y], { params: params as UnaryParams['powScalar'] });
    return y;
  });
}

function resultDType(op: BinaryOp, a: Tensor | number, b: Tensor | number): DType {
  if (op === 'logicalAnd' || op === 'logicalOr') return 'bool';
  let dt: DType;
  if (a instanceof Tensor && b instanceof Tensor) dt = promoteTypes(a.dtype, b.dtype);
  else if (a instanceof Tensor) dt = promoteWithScalar(a.dtype, b as number);
  else dt = promoteWithScalar((b as Tensor).dtype, a as number);
  if ((op === 'div' || op === 'pow') && !isFloat(dt)) return 'float32';
  if (dt === 'bool' && !COMPARISON_OPS.has(op))
    return op === 'maximum' || op === 'minimum' || op === 'mul' || op === 'add' ? 'bool' : 'int32';
  return dt;
}

const isBool = (v: Tensor | number): boolean => v instanceof Tensor && v.dtype === 'bool';

/** PyTorch refuses these on bool tensors rather than guess what a mask minus a mask means. */
function checkBoolOperands(op: BinaryOp, a: Tensor | number, b: Tensor | number): void {
  if (op === 'sub' && (isBool(a) || isBool(b))) {
    throw new DTypeError(
      "sub: subtraction with a bool tensor is not supported (as in PyTorch); use logicalNot(x) to invert a mask, ne(a, b) for exclusive or, or cast first with .to('int32')",
    );
  }
  if (op === 'pow' && isBool(a) && isBool(b)) {
    throw new DTypeError(
      "pow: not defined for two bool tensors (as in PyTorch); cast first with .to('int32')",
    );
  }
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
  checkBoolOperands(op, a, b);
  const backend = backendOf(op, a, b);
  const dt = resultDType(op, a, b);
  // On bools, add is logical or (PyTorch: True + True is True), which the kernel has.
  const kernel: BinaryOp = op === 'add' && dt === 'bool' ? 'logicalOr' : op;
  const outShape =
    aT && bT ? broadcastShapes(op, (a as Tensor).shape, (b as Tensor).shape) : ((aT ? a : b) as Tensor).shape;
  const outDType = COMPARISON_OPS.has(op) ? 'bool' : dt;
  const needsCast = (aT && (a as Tensor).dtype !== dt) || (bT && (b as Tensor).dtype !== dt);
  return tidyIf(needsCast, () => {
    const ca = aT ? cast(a as Tensor, dt) : (a as number);
    const cb = bT ? cast(b as Tensor, dt) : (b as number);
    const y = fromStorage(backend, backend.binary(kernel, ca, cb, outShape), outDType, outShape);
    if (isArithmetic(op)) {
      if (ca instanceof Tensor && cb instanceof Tensor) recordOp(op, [ca, cb], [y]);
      else if (ca instanceof Tensor)
        recordOp(`${op}:scalar`, [ca], [y], { value: cb as number, reversed: false });
      else recordOp(`${op}:scalar`, [cb as Tensor], [y], { value: ca as number, reversed: true });
    }
    return y;
  });
}

/** Binary ops with a float result, which autograd records. */
function isArithmetic(op: BinaryOp): op is ArithmeticOp {
  return !COMPARISON_OPS.has(op);
}

/** op(a, alpha * b): the `alpha` form of add and sub, as PyTorch's. */
function withAlpha(op: 'add' | 'sub', a: Tensor | number, b: Tensor | number, alpha: number): Tensor {
  if (alpha === 1) return binary(op, a, b);
  checkBoolOperands(op, a, b);
  return tidy(() => binary(op, a, mul(b, alpha)));
}

function alphaOf(op: string, options: { alpha?: number } | undefined): number {
  const { alpha = 1 } = checkOptions(op, options, ['alpha']);
  if (typeof alpha !== 'number' || Number.isNaN(alpha))
    throw new ValueError(`${op}: alpha must be a number, got ${describeValue(alpha)}`);
  return alpha;
}

/** a + alpha * b */
export function add(a: Tensor | number, b: Tensor | number, options?: { alpha?: number }): Tensor {
  return withAlpha('add', a, b, alphaOf('add', options));
}

/** a - alpha * b */
export function sub(a: Tensor | number, b: Tensor | number, options?: { alpha?: number }): Tensor {
  return withAlpha('sub', a, b, alphaOf('sub', options));
}

/** a * b, element-wise with broadcasting. */
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary('mul', a, b);
/** a / b (true division: integers give float32). */
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary('div', a, b);
/** The larger of a and b, element-wise; NaN propagates. */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary('maximum', a, b);
/** The smaller of a and b, element-wise; NaN propagates. */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary('minimum', a, b);
/** a == b (bool). */
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => binary('eq', a, b);
/** a != b (bool). */
export const ne = (a: Tensor | number, b: Tensor | number): Tensor => binary('ne', a, b);
/** a < b (bool). */
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => binary('lt', a, b);
/** a <= b (bool). */
export const le = (a: Tensor | number, b: Tensor | number): Tensor => binary('le', a, b);
/** a > b (bool). */
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => binary('gt', a, b);
/** a >= b (bool). */
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => binary('ge', a, b);
/** a && b on bool tensors. */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => binary('logicalAnd', a, b);
/** a || b on bool tensors. */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => binary('logicalOr', a, b);
/** !x on a bool tensor. */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

/** base ** exponent: tensor or number on either side. */
export function pow(base: Tensor | number, exponent: Tensor | number): Tensor {
  if (base instanceof Tensor && typeof exponent === 'number') {
    if (exponent === 1) return mul(base, 1);
    return unary('powScalar', base, [exponent]);
  }
  return binary('pow', base, exponent);
}

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** |x| */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** -1, 0 or 1 by the sign of x (0 for NaN). */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** eˣ */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** log(1 + x), accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/** eˣ - 1, accurate near 0. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
/** √x */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1 / √x */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** x² */
export const square = (x: Tensor): Tensor => unary('square', x);
/** 1 / x */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** sin x */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** cos x */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** The error function. */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Rounds down. */
export const floor = (x: Tensor): Tensor => unary('floor', x);
/** Rounds up. */
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even, as PyTorch. */
export const round = (x: Tensor): Tensor => unary('round', x);

/** Limits values to [min, max]; either bound may be left out. */
/** The bounds of `clamp`; either may be left out (or null). */
export interface ClampOptions {
  min?: number | null;
  max?: number | null;
}

/** Limits values to [min, max]: `clamp(x, 0, 1)`, `clamp(x, null, 1)` or `clamp(x, { min: 0 })`. */
export function clamp(x: Tensor, options: ClampOptions): Tensor;
export function clamp(x: Tensor, min: number | null, max?: number | null): Tensor;
export function clamp(x: Tensor, minOrOptions: number | null | ClampOptions, maxArg?: number | null): Tensor {
  const a = readArgs('clamp', minOrOptions, [maxArg], ['min', 'max']);
  const min = a.min ?? undefined;
  const max = a.max ?? undefined;
  for (const [name, v] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (v !== undefined && typeof v !== 'number')
      throw new ValueError(`clamp: ${name} must be a number, got ${describeValue(v)}`);
  }
  if (min === undefined && max === undefined)
    throw new ValueError('clamp: at least one of min or max must be given');
  if ((min !== undefined && Number.isNaN(min)) || (max !== undefined && Number.isNaN(max))) {
    throw new ValueError(`clamp: bounds must not be NaN, got min=${min}, max=${max}`);
  }
  return unary('clamp', x, [
    (min as number | undefined) ?? Number.NEGATIVE_INFINITY,
    (max as number | undefined) ?? Number.POSITIVE_INFINITY,
  ]);
}
/** max(x, min): `clamp` with a lower bound only. */
export const clampMin = (x: Tensor, min: number): Tensor => clamp(x, { min });
/** min(x, max): `clamp` with an upper bound only. */
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
  else dt = 'float32'; // two numbers: like any plain JS number, float32
  // Shapes are checked before any cast or fill, so a mismatch leaves nothing behind.
  const outShape = broadcastShapes(
    'where',
    broadcastShapes('where', condition.shape, aT?.shape ?? []),
    bT?.shape ?? [],
  );
  const toT = (v: Tensor | number): Tensor =>
    v instanceof Tensor ? cast(v, dt) : fromStorage(backend, backend.fill(1, dt, v), dt, []);
  // A number is filled into a 0-d tensor and a tensor of another dtype cast: only then is there
  // an intermediate to free.
  return tidyIf(aT?.dtype !== dt || bT?.dtype !== dt, () => {
    const ta = toT(a);
    const tb = toT(b);
    const y = fromStorage(backend, backend.where(condition, ta, tb, outShape), dt, outShape);
    recordOp('where', [condition, ta, tb], [y]);
    return y;
  });
}
