// The WebAssembly kernels cover float32; every other case runs the JavaScript reference kernels of
// @nn/backend-cpu over views of the heap, so the cpu and wasm backends share one implementation.
import * as reference from '@nn/backend-cpu/kernels';
import { type BinaryOp, COMPARISON_OPS, type DType, sizeOf, type TensorView, type UnaryOp } from '@nn/tensor';
import { allocOut, type Ctx, fromHost, withMeta } from './context.js';
import type { WasmStorage } from './heap.js';
import {
  arrayOf,
  baseIndex,
  basePtr,
  hostView,
  isContiguousView,
  offsetsOrNull,
  stridesFor,
} from './strided.js';

export function fill(ctx: Ctx, size: number, dtype: DType, value: number): WasmStorage {
  const out = allocOut(ctx, size, dtype);
  const v = dtype === 'bool' ? (value ? 1 : 0) : value;
  const o = out.ptr / (dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4);
  arrayOf(ctx.heap, dtype).fill(v, o, o + size);
  return out;
}

/** Contiguous copy of x, converted to dtype. */
export function cast(ctx: Ctx, x: TensorView, dtype: DType): WasmStorage {
  const n = sizeOf(x.shape);
  if (
    n > 0 &&
    x.dtype === dtype &&
    (dtype === 'float32' || dtype === 'int32') &&
    !isContiguousView(x.shape, x.strides)
  ) {
    const out = allocOut(ctx, n, dtype);
    broadcastCall(ctx, x.shape, [[...x.strides]], (rank, meta, idx) =>
      ctx.k.copy32(out.ptr, basePtr(x), rank, meta, idx),
    );
    return out;
  }
  if (x.dtype === dtype && offsetsOrNull(x, x.shape) === null) {
    // Same dtype, elements in order: one block copy.
    const out = allocOut(ctx, n, dtype);
    const a = arrayOf(ctx.heap, dtype);
    const sb = baseIndex(x);
    a.copyWithin(baseIndex({ storage: out, dtype, shape: [n], strides: [1], offset: 0 }), sb, sb + n);
    return out;
  }
  return fromHost(ctx, reference.cast(hostView(ctx.heap, x), dtype), dtype);
}

export function unary(ctx: Ctx, op: UnaryOp, x: TensorView, params: readonly number[]): WasmStorage {
  const n = sizeOf(x.shape);
  const dtype = x.dtype;
  const code = UNARY_CODES[op];
  if (dtype === 'float32' && code !== undefined && offsetsOrNull(x, x.shape) === null) {
    const out = allocOut(ctx, n, dtype);
    ctx.k.unaryF32(code, out.ptr, basePtr(x), n, params[0] ?? 0, params[1] ?? 0);
    return out;
  }
  return fromHost(
    ctx,
    reference.unary(op, hostView(ctx.heap, x), params),
    op === 'logicalNot' ? 'bool' : dtype,
  );
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
  if (n === 0) return allocOut(ctx, n, outDType);
  const heap = ctx.heap;
  const code = SIMD_OPS[op];
  if (inDType === 'float32' && (code !== undefined || COMPARE_CODES[op] !== undefined)) {
    const out = allocOut(ctx, n, outDType);
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
  return fromHost(ctx, reference.binary(op, host(ctx, a), host(ctx, b), outShape), outDType);
}

const host = (ctx: Ctx, v: TensorView | number): TensorView | number =>
  typeof v === 'number' ? v : hostView(ctx.heap, v);

export function where(
  ctx: Ctx,
  cond: TensorView,
  a: TensorView,
  b: TensorView,
  outShape: readonly number[],
): WasmStorage {
  const n = sizeOf(outShape);
  if (n > 0 && a.dtype === 'float32') {
    const out = allocOut(ctx, n, a.dtype);
    const st = [cond, a, b].map((v) => stridesFor(v, outShape));
    broadcastCall(ctx, outShape, st, (rank, meta, idx) => {
      ctx.k.whereF32(out.ptr, basePtr(cond), basePtr(a), basePtr(b), rank, meta, idx);
    });
    return out;
  }
  const h = ctx.heap;
  return fromHost(ctx, reference.where(hostView(h, cond), hostView(h, a), hostView(h, b), outShape), a.dtype);
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
