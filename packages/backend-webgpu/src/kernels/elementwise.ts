import type { BinaryOp, DType, TensorView, UnaryOp } from '@nn/tensor';
import { COMPARISON_OPS } from '@nn/tensor';
import { collapse } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { wgslType } from '../wgsl.js';
import { map, type Operand } from './map.js';

type Expr = (a: readonly string[], p: readonly string[]) => string;

const SELU_ALPHA = '1.6732632423543772';
const SELU_SCALE = '1.0507009873554805';

const FLOAT_UNARY: Record<UnaryOp, Expr> = {
  neg: ([x]) => `-${x}`,
  abs: ([x]) => `abs(${x})`,
  // sign(NaN) is 0, as in PyTorch and the other backends.
  sign: ([x]) => `select(sign(${x}), 0.0, is_nan(${x}))`,
  exp: ([x]) => `exp(${x})`,
  log: ([x]) => `log_f(${x})`,
  sqrt: ([x]) => `sqrt(${x})`,
  rsqrt: ([x]) => `1.0 / sqrt(${x})`,
  reciprocal: ([x]) => `1.0 / ${x}`,
  square: ([x]) => `${x} * ${x}`,
  sin: ([x]) => `sin(${x})`,
  cos: ([x]) => `cos(${x})`,
  tanh: ([x]) => `tanh_f(${x})`,
  sigmoid: ([x]) => `sigmoid_f(${x})`,
  erf: ([x]) => `erf_f(${x})`,
  log1p: ([x]) => `log1p_f(${x})`,
  expm1: ([x]) => `expm1_f(${x})`,
  floor: ([x]) => `floor(${x})`,
  ceil: ([x]) => `ceil(${x})`,
  round: ([x]) => `round(${x})`,
  relu: ([x]) => `select(${x}, 0.0, ${x} < 0.0)`,
  logicalNot: ([x]) => `b2u(${x} == 0.0)`,
  leakyRelu: ([x], [s]) => `select(${x}, ${x} * ${s}, ${x} < 0.0)`,
  elu: ([x], [a]) => `select(${x}, ${a} * expm1_f(${x}), ${x} <= 0.0)`,
  selu: ([x]) => `${SELU_SCALE} * select(${x}, ${SELU_ALPHA} * expm1_f(${x}), ${x} <= 0.0)`,
  gelu: ([x]) => `0.5 * ${x} * (1.0 + erf_f(${x} * 0.7071067811865476))`,
  geluTanh: ([x]) =>
    `0.5 * ${x} * (1.0 + tanh_f(0.7978845608028654 * (${x} + 0.044715 * ${x} * ${x} * ${x})))`,
  softplus: ([x], [beta, threshold]) =>
    `select(log1p_f(exp(${beta} * ${x})) / ${beta}, ${x}, ${beta} * ${x} > ${threshold})`,
  silu: ([x]) => `${x} * sigmoid_f(${x})`,
  clamp: ([x], [lo, hi]) => `select(min(max(${x}, ${lo}), ${hi}), ${x}, is_nan(${x}))`,
  powScalar: ([x], [e]) => `pow_f(${x}, ${e})`,
};

function intUnary(op: UnaryOp, type: 'i32' | 'u32'): Expr | null {
  const zero = type === 'i32' ? '0i' : '0u';
  switch (op) {
    case 'neg':
      return ([x]) => `-${x}`;
    case 'abs':
      return type === 'i32' ? ([x]) => `abs(${x})` : ([x]) => x;
    case 'sign':
      return type === 'i32' ? ([x]) => `sign(${x})` : ([x]) => x;
    case 'square':
      return ([x]) => `${x} * ${x}`;
    case 'floor':
    case 'ceil':
    case 'round':
      return ([x]) => x;
    case 'relu':
      return ([x]) => `max(${x}, ${zero})`;
    case 'logicalNot':
      return ([x]) => `b2u(${x} == ${zero})`;
    case 'clamp':
      return ([x], [lo, hi]) => `${type}(clamp(f32(${x}), ${lo}, ${hi}))`;
    default:
      return null;
  }
}

export function unary(rt: Runtime, op: UnaryOp, x: TensorView, params: readonly number[]): GPUBuffer {
  const type = wgslType(x.dtype);
  const outDType: DType = op === 'logicalNot' ? 'bool' : x.dtype;
  let expr: Expr | null;
  let ps = params;
  if (type === 'f32') expr = FLOAT_UNARY[op];
  else {
    expr = intUnary(op, type);
    if (op === 'clamp') {
      // Integer clamp compares in f32 only when a bound is fractional; integral bounds clamp exactly.
      const lo = Math.max(Math.ceil(params[0]), -2147483648);
      const hi = Math.min(Math.floor(params[1]), 2147483647);
      if (Number.isInteger(params[0]) || !Number.isFinite(params[0])) {
        if (Number.isInteger(params[1]) || !Number.isFinite(params[1])) {
          return map(rt, {
            op: 'clampInt',
            operands: [x, { scalar: lo, dtype: x.dtype }, { scalar: hi, dtype: x.dtype }],
            outDType,
            outShape: x.shape,
            expr: ([v, a, b]) => `clamp(${v}, ${a}, ${b})`,
          });
        }
      }
      ps = [params[0], params[1]];
    }
  }
  if (!expr) {
    // Ops the frontend only sends for floats; integers go through f32 and back.
    const e = FLOAT_UNARY[op];
    expr = (a, p) => `${type}(${e([`f32(${a[0]})`], p)})`;
  }
  return map(rt, { op: `u.${op}`, operands: [x], outDType, outShape: x.shape, expr, params: ps });
}

function binaryExpr(op: BinaryOp, type: 'f32' | 'i32' | 'u32'): Expr {
  const f = type === 'f32';
  switch (op) {
    case 'add':
      return ([a, b]) => `${a} + ${b}`;
    case 'sub':
      return ([a, b]) => `${a} - ${b}`;
    case 'mul':
      return ([a, b]) => `${a} * ${b}`;
    case 'div':
      return f ? ([a, b]) => `${a} / ${b}` : ([a, b]) => `${type}(f32(${a}) / f32(${b}))`;
    case 'pow':
      return f ? ([a, b]) => `pow_f(${a}, ${b})` : ([a, b]) => `${type}(pow_f(f32(${a}), f32(${b})))`;
    case 'maximum':
      return f ? ([a, b]) => `max_f(${a}, ${b})` : ([a, b]) => `max(${a}, ${b})`;
    case 'minimum':
      return f ? ([a, b]) => `min_f(${a}, ${b})` : ([a, b]) => `min(${a}, ${b})`;
    case 'eq':
      return ([a, b]) => `b2u(${a} == ${b})`;
    case 'ne':
      // Spelled as not-equal-to so NaN != x holds even where != compiles to an ordered compare.
      return ([a, b]) => `b2u(!(${a} == ${b}))`;
    case 'lt':
      return ([a, b]) => `b2u(${a} < ${b})`;
    case 'le':
      return ([a, b]) => `b2u(${a} <= ${b})`;
    case 'gt':
      return ([a, b]) => `b2u(${a} > ${b})`;
    case 'ge':
      return ([a, b]) => `b2u(${a} >= ${b})`;
    case 'logicalAnd':
      return ([a, b]) => `b2u(!(${a} == ${zeroOf(type)}) && !(${b} == ${zeroOf(type)}))`;
    case 'logicalOr':
      return ([a, b]) => `b2u(!(${a} == ${zeroOf(type)}) || !(${b} == ${zeroOf(type)}))`;
  }
}

function zeroOf(type: 'f32' | 'i32' | 'u32'): string {
  return type === 'f32' ? '0.0' : type === 'i32' ? '0i' : '0u';
}

export function binary(
  rt: Runtime,
  op: BinaryOp,
  a: TensorView | number,
  b: TensorView | number,
  outShape: readonly number[],
): GPUBuffer {
  const dtype = typeof a === 'number' ? (b as TensorView).dtype : a.dtype;
  const operand = (v: TensorView | number): Operand => (typeof v === 'number' ? { scalar: v, dtype } : v);
  const type = wgslType(dtype);
  return map(rt, {
    op: `b.${op}`,
    operands: [operand(a), operand(b)],
    outDType: COMPARISON_OPS.has(op) ? 'bool' : dtype,
    outShape,
    expr: binaryExpr(op, type),
  });
}

export function where(
  rt: Runtime,
  cond: TensorView,
  a: TensorView,
  b: TensorView,
  outShape: readonly number[],
): GPUBuffer {
  return map(rt, {
    op: 'where',
    operands: [cond, a, b],
    outDType: a.dtype,
    outShape,
    expr: ([c, x, y]) => `select(${y}, ${x}, ${c} != 0u)`,
  });
}

function castExpr(from: DType, to: DType): Expr {
  const src = wgslType(from);
  const dst = wgslType(to);
  if (to === 'bool') return ([x]) => `b2u(!(${x} == ${zeroOf(src)}))`;
  if (src === dst) return ([x]) => x;
  if (src === 'f32' && dst === 'i32') {
    // Truncation toward zero like a typed-array store; NaN becomes 0 and out-of-range saturates.
    return ([x]) => `select(i32(clamp(${x}, -2147483648.0, 2147483520.0)), 0i, is_nan(${x}))`;
  }
  return ([x]) => `${dst}(${x})`;
}

export function cast(rt: Runtime, x: TensorView, dtype: DType): GPUBuffer {
  return map(rt, {
    op: `cast.${dtype}`,
    operands: [x],
    outDType: dtype,
    outShape: x.shape,
    expr: castExpr(x.dtype, dtype),
  });
}

export function fill(rt: Runtime, size: number, dtype: DType, value: number): GPUBuffer {
  return map(rt, {
    op: 'fill',
    operands: [{ scalar: value, dtype }],
    outDType: dtype,
    outShape: [size],
    expr: ([v]) => v,
  });
}

/** Copies a view into `target` (a strided window of a bigger buffer). */
export function copyInto(
  rt: Runtime,
  x: TensorView,
  target: { buffer: GPUBuffer; strides: readonly number[]; offset: number },
): void {
  // Both sides one contiguous run: a plain buffer-to-buffer copy.
  const c = collapse(x.shape, [x.strides, target.strides]);
  if (c.shape.length <= 1 && c.strides.every((s) => s.length === 0 || s[0] === 1)) {
    rt.copy(x.storage as GPUBuffer, x.offset * 4, target.buffer, target.offset * 4, (c.shape[0] ?? 1) * 4);
    return;
  }
  map(rt, { op: 'copy', operands: [x], outDType: x.dtype, outShape: x.shape, expr: ([v]) => v, target });
}
