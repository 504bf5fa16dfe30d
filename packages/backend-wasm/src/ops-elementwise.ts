import { type BinaryOp, COMPARISON_OPS, type DType, sizeOf, type TensorView, type UnaryOp } from '@nn/tensor';
import { allocOut, type Ctx, withMeta } from './context.js';
import type { WasmStorage } from './heap.js';
import { cPow, unaryFn } from './scalar-math.js';
import { arrayOf, baseIndex, basePtr, isContiguousView, offsetsOrNull, stridesFor } from './strided.js';

export function fill(ctx: Ctx, size: number, dtype: DType, value: number): WasmStorage {
  const out = allocOut(ctx, size, dtype);
  const v = dtype === 'bool' ? (value ? 1 : 0) : value;
  const o = out.ptr / (dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4);
  arrayOf(ctx.heap, dtype).fill(v, o, o + size);
  return out;
}

function convert(dtype: DType): (v: number) => number {
  if (dtype === 'bool') return (v) => (v !== 0 ? 1 : 0);
  if (dtype === 'int32') return (v) => (Number.isFinite(v) ? Math.trunc(v) : 0);
  return (v) => v;
}

/** Contiguous copy of x, converted to dtype. */
export function cast(ctx: Ctx, x: TensorView, dtype: DType): WasmStorage {
  const n = sizeOf(x.shape);
  const out = allocOut(ctx, n, dtype);
  if (
    n > 0 &&
    x.dtype === dtype &&
    (dtype === 'float32' || dtype === 'int32') &&
    !isContiguousView(x.shape, x.strides)
  ) {
    broadcastCall(ctx, x.shape, [[...x.strides]], (rank, meta, idx) =>
      ctx.k.copy32(out.ptr, basePtr(x), rank, meta, idx),
    );
    return out;
  }
  const src = arrayOf(ctx.heap, x.dtype);
  const dst = arrayOf(ctx.heap, dtype);
  const sb = baseIndex(x);
  const db = baseIndex({ storage: out, dtype, shape: [n], strides: [1], offset: 0 });
  const offs = offsetsOrNull(x, x.shape);
  if (x.dtype === dtype || dtype === 'float32' || dtype === 'float64') {
    if (!offs) dst.set(src.subarray(sb, sb + n), db);
    else for (let i = 0; i < n; i++) dst[db + i] = src[sb + offs[i]];
    return out;
  }
  const f = convert(dtype);
  for (let i = 0; i < n; i++) dst[db + i] = f(src[sb + (offs ? offs[i] : i)]);
  return out;
}

export function unary(ctx: Ctx, op: UnaryOp, x: TensorView, params: readonly number[]): WasmStorage {
  const n = sizeOf(x.shape);
  const dtype = x.dtype;
  const out = allocOut(ctx, n, dtype);
  const code = UNARY_CODES[op];
  if (dtype === 'float32' && code !== undefined && offsetsOrNull(x, x.shape) === null) {
    ctx.k.unaryF32(code, out.ptr, basePtr(x), n, params[0] ?? 0, params[1] ?? 0);
    return out;
  }
  const f = unaryFn(op, params);
  const a = arrayOf(ctx.heap, dtype);
  const sb = baseIndex(x);
  const db = baseIndex({ storage: out, dtype, shape: [n], strides: [1], offset: 0 });
  const offs = offsetsOrNull(x, x.shape);
  if (dtype === 'bool' && op !== 'logicalNot') {
    // abs and relu leave bools unchanged.
    for (let i = 0; i < n; i++) a[db + i] = a[sb + (offs ? offs[i] : i)];
    return out;
  }
  if (dtype === 'int32') {
    for (let i = 0; i < n; i++) {
      const v = f(a[sb + (offs ? offs[i] : i)]);
      a[db + i] = Number.isFinite(v) ? v : 0;
    }
    return out;
  }
  if (offs) for (let i = 0; i < n; i++) a[db + i] = f(a[sb + offs[i]]);
  else for (let i = 0; i < n; i++) a[db + i] = f(a[sb + i]);
  return out;
}

function binaryFn(op: BinaryOp, dtype: DType): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return dtype === 'int32' ? Math.imul : (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'pow':
      return cPow;
    case 'maximum':
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b));
    case 'minimum':
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b));
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    case 'ne':
      return (a, b) => (a !== b ? 1 : 0);
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'le':
      return (a, b) => (a <= b ? 1 : 0);
    case 'gt':
      return (a, b) => (a > b ? 1 : 0);
    case 'ge':
      return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd':
      return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'logicalOr':
      return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
  }
}

const SIMD_OPS: Partial<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
};

/** Merges adjacent dims that every operand (and the contiguous output) walks as one. */
export function collapse(
  shape: readonly number[],
  strides: readonly number[][],
): { shape: number[]; strides: number[][] } {
  const s: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && strides.every((st, k) => out[k][last] === st[i] * shape[i])) {
      s[last] *= shape[i];
      strides.forEach((st, k) => {
        out[k][last] = st[i];
      });
    } else {
      s.push(shape[i]);
      strides.forEach((st, k) => {
        out[k].push(st[i]);
      });
    }
  }
  if (s.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: s, strides: out };
}

const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  neg: 0,
  abs: 1,
  relu: 2,
  square: 3,
  sqrt: 4,
  rsqrt: 5,
  reciprocal: 6,
  floor: 7,
  ceil: 8,
  round: 9,
  clamp: 10,
  leakyRelu: 11,
  exp: 12,
  log: 13,
  tanh: 14,
  sigmoid: 15,
  silu: 16,
};

const COMPARE_CODES: Partial<Record<BinaryOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };

/** Runs a broadcast kernel: collapses dims, writes shape + strides as metadata, calls `run`. */
function broadcastCall(
  ctx: Ctx,
  outShape: readonly number[],
  strides: number[][],
  run: (rank: number, meta: number, idx: number) => void,
): void {
  const c = collapse(outShape, strides);
  const rank = c.shape.length;
  withMeta(ctx, [c.shape, ...c.strides].flat(), rank, (meta, idx) => run(rank, meta, idx));
}

export function binary(
  ctx: Ctx,
  op: BinaryOp,
  a: TensorView | number,
  b: TensorView | number,
  outShape: readonly number[],
): WasmStorage {
  const inDType = (typeof a === 'number' ? (b as TensorView) : a).dtype;
  const outDType: DType = COMPARISON_OPS.has(op) ? 'bool' : inDType;
  const n = sizeOf(outShape);
  const out = allocOut(ctx, n, outDType);
  if (n === 0) return out;
  const heap = ctx.heap;
  const code = SIMD_OPS[op];
  if (inDType === 'float32' && (code !== undefined || COMPARE_CODES[op] !== undefined)) {
    // Scalars live in a 4-byte block read with stride 0.
    const tmp: number[] = [];
    const place = (v: TensorView | number): { ptr: number; strides: number[] } => {
      if (typeof v !== 'number') return { ptr: basePtr(v), strides: stridesFor(v, outShape) };
      const p = heap.allocBytes(4);
      tmp.push(p);
      heap.f32[p >> 2] = v;
      return { ptr: p, strides: outShape.map(() => 0) };
    };
    try {
      const pa = place(a);
      const pb = place(b);
      const cmp = COMPARE_CODES[op];
      broadcastCall(ctx, outShape, [pa.strides, pb.strides], (rank, meta, idx) => {
        if (cmp !== undefined) ctx.k.compareF32(cmp, out.ptr, pa.ptr, pb.ptr, rank, meta, idx);
        else ctx.k.binaryF32(code!, out.ptr, pa.ptr, pb.ptr, rank, meta, idx);
      });
    } finally {
      for (const p of tmp) heap.freeBytes(p, 4);
    }
    return out;
  }
  const f = binaryFn(op, inDType);
  const src = arrayOf(heap, inDType);
  const dst = arrayOf(heap, outDType);
  const db = baseIndex({ storage: out, dtype: outDType, shape: [n], strides: [1], offset: 0 });
  const fix = outDType === 'int32' ? (v: number) => (Number.isFinite(v) ? v : 0) : (v: number) => v;
  if (typeof a === 'number' || typeof b === 'number') {
    const t = (typeof a === 'number' ? b : a) as TensorView;
    const s = (typeof a === 'number' ? a : b) as number;
    const tb = baseIndex(t);
    const offs = offsetsOrNull(t, outShape);
    if (typeof a === 'number')
      for (let i = 0; i < n; i++) dst[db + i] = fix(f(s, src[tb + (offs ? offs[i] : i)]));
    else for (let i = 0; i < n; i++) dst[db + i] = fix(f(src[tb + (offs ? offs[i] : i)], s));
    return out;
  }
  const ab = baseIndex(a);
  const bb = baseIndex(b);
  const oa = offsetsOrNull(a, outShape);
  const ob = offsetsOrNull(b, outShape);
  for (let i = 0; i < n; i++) dst[db + i] = fix(f(src[ab + (oa ? oa[i] : i)], src[bb + (ob ? ob[i] : i)]));
  return out;
}

export function where(
  ctx: Ctx,
  cond: TensorView,
  a: TensorView,
  b: TensorView,
  outShape: readonly number[],
): WasmStorage {
  const n = sizeOf(outShape);
  const out = allocOut(ctx, n, a.dtype);
  if (n === 0) return out;
  if (a.dtype === 'float32') {
    const st = [cond, a, b].map((v) => stridesFor(v, outShape));
    broadcastCall(ctx, outShape, st, (rank, meta, idx) => {
      ctx.k.whereF32(out.ptr, basePtr(cond), basePtr(a), basePtr(b), rank, meta, idx);
    });
    return out;
  }
  const heap = ctx.heap;
  const c = heap.u8;
  const src = arrayOf(heap, a.dtype);
  const db = baseIndex({ storage: out, dtype: a.dtype, shape: [n], strides: [1], offset: 0 });
  const cb = baseIndex(cond);
  const ab = baseIndex(a);
  const bb = baseIndex(b);
  const oc = offsetsOrNull(cond, outShape);
  const oa = offsetsOrNull(a, outShape);
  const ob = offsetsOrNull(b, outShape);
  for (let i = 0; i < n; i++) {
    src[db + i] = c[cb + (oc ? oc[i] : i)] ? src[ab + (oa ? oa[i] : i)] : src[bb + (ob ? ob[i] : i)];
  }
  return out;
}

/** g where x > 0, else 0: relu's gradient in one pass (float32 in SIMD). x and g contiguous, one shape. */
export function reluBackward(ctx: Ctx, x: TensorView, g: TensorView): WasmStorage {
  const n = sizeOf(g.shape);
  const out = allocOut(ctx, n, g.dtype);
  if (n === 0) return out;
  if (g.dtype === 'float32') {
    ctx.k.reluBackwardF32(out.ptr, basePtr(x), basePtr(g), n);
    return out;
  }
  const a = arrayOf(ctx.heap, g.dtype);
  const xb = baseIndex(x);
  const gb = baseIndex(g);
  const ob = baseIndex({ storage: out, dtype: g.dtype, shape: [n], strides: [1], offset: 0 });
  for (let i = 0; i < n; i++) a[ob + i] = a[xb + i] > 0 ? a[gb + i] : 0;
  return out;
}
