import { type AttentionArgs, type AttentionBackwardArgs, sizeOf, type TensorView } from '@nn/tensor';
import type { Parallel } from './backend.js';
import { allocOut, type Ctx, withMeta } from './context.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr, elementBytes, offsets } from './strided.js';
import type { Job } from './threads.js';

// Fused attention (assembly/attention.ts): float32 runs in AssemblyScript, query rows in blocks
// of ROWS whose scores and weights live in a per-job work buffer of ROWS x S floats; threads take
// whole batches (batch x heads), so each output element is computed by one thread in one order.
// float64 (gradcheck) takes plain loops here with the same semantics.

const ROWS = 64;
/** Jobs the batches are cut into (enough for 8 threads); a fixed count, like convolution's. */
const JOBS = 8;
/** Below this many multiply-adds one thread does it all: waking workers costs more. */
const MIN_PARALLEL_WORK = 1 << 18;

interface Dims {
  B: number;
  L: number;
  S: number;
  E: number;
  Ev: number;
}

function dims(a: AttentionArgs): Dims {
  const [B, L, E] = a.q.shape;
  const [, S, Ev] = a.v.shape;
  return { B, L, S, E, Ev };
}

/** Element offset of each batch's mask[b][0][0] from the view's first element. */
function maskBatchOffsets(mask: TensorView): Int32Array {
  const r = mask.shape.length;
  return offsets(mask.shape.slice(0, r - 2), mask.strides.slice(0, r - 2));
}

const f32Bits = new Int32Array(1);
const f32View = new Float32Array(f32Bits.buffer);

/** The kernels' meta block (see assembly/attention.ts), mask addresses per batch included. */
function meta(a: AttentionArgs, d: Dims, rows: number): number[] {
  const mask = a.mask;
  f32View[0] = a.scale;
  const head = [d.L, d.S, d.E, d.Ev, a.causal ? 1 : 0, 0, 0, 0, f32Bits[0], rows, 0, 0, 0, 0, 0, 0];
  if (!mask) return [...head, ...new Array<number>(d.B).fill(0)];
  const r = mask.shape.length;
  head[5] = mask.dtype === 'bool' ? 1 : 2;
  head[6] = mask.strides[r - 2];
  head[7] = mask.strides[r - 1];
  const base = basePtr(mask);
  const size = elementBytes(mask.dtype);
  return [...head, ...Array.from(maskBatchOffsets(mask), (o) => base + o * size)];
}

/** Batch ranges, one per job. */
function batchJobs(d: Dims, work: number): [number, number][] {
  const parts = work < MIN_PARALLEL_WORK ? 1 : Math.min(d.B, JOBS);
  const per = Math.ceil(d.B / parts);
  const ranges: [number, number][] = [];
  for (let b0 = 0; b0 < d.B; b0 += per) ranges.push([b0, Math.min(d.B, b0 + per)]);
  return ranges;
}

/** Runs one kernel over batch ranges, each job with its own work buffer of `floats` floats. */
function runJobs(
  ctx: Ctx,
  par: Parallel,
  a: AttentionArgs,
  d: Dims,
  floats: number,
  job: (meta: number, work: number, b0: number, b1: number) => Job,
): void {
  const rows = Math.min(d.L, ROWS);
  const ranges = batchJobs(d, d.B * d.L * d.S * (d.E + d.Ev));
  const bytes = Math.max(16, floats * 4);
  const works = ranges.map(() => ctx.heap.allocBytes(bytes));
  try {
    withMeta(ctx, meta(a, d, rows), 0, (m) => {
      par.run(ranges.map(([b0, b1], j) => job(m, works[j], b0, b1)));
    });
  } finally {
    for (const w of works) ctx.heap.freeBytes(w, bytes);
  }
}

export function attention(ctx: Ctx, par: Parallel, a: AttentionArgs): { out: WasmStorage; lse: WasmStorage } {
  const d = dims(a);
  const out = allocOut(ctx, d.B * d.L * d.Ev, a.q.dtype);
  const lse = allocOut(ctx, d.B * d.L, a.q.dtype);
  if (a.q.dtype !== 'float32') {
    attentionLoops(ctx, a, d, out, lse);
    return { out, lse };
  }
  const rows = Math.min(d.L, ROWS);
  const [q, k, v] = [basePtr(a.q), basePtr(a.k), basePtr(a.v)];
  runJobs(ctx, par, a, d, rows * d.S + rows, (m, work, b0, b1) => ({
    kernel: 'attentionForward',
    args: [q, k, v, out.ptr, lse.ptr, m, work, 0, b0, b1],
  }));
  return { out, lse };
}

export function attentionBackward(
  ctx: Ctx,
  par: Parallel,
  a: AttentionBackwardArgs,
): { dq: WasmStorage; dk: WasmStorage; dv: WasmStorage } {
  const d = dims(a);
  const dq = allocOut(ctx, d.B * d.L * d.E, a.q.dtype);
  const dk = allocOut(ctx, d.B * d.S * d.E, a.q.dtype);
  const dv = allocOut(ctx, d.B * d.S * d.Ev, a.q.dtype);
  if (a.q.dtype !== 'float32') {
    attentionBackwardLoops(ctx, a, d, { dq, dk, dv });
    return { dq, dk, dv };
  }
  const rows = Math.min(d.L, ROWS);
  const ptrs = [a.q, a.k, a.v, a.out, a.lse, a.dOut].map(basePtr);
  runJobs(ctx, par, a, d, 2 * rows * d.S, (m, work, b0, b1) => ({
    kernel: 'attentionBackward',
    args: [...ptrs, dq.ptr, dk.ptr, dv.ptr, m, work, 0, b0, b1],
  }));
  return { dq, dk, dv };
}

// ------------------------------------------------------------------ float64 loops

/** Scores of row i of batch b against keys 0..S-1 (scaled, masked) into `row`. */
function rowScores(ctx: Ctx, a: AttentionArgs, d: Dims, b: number, i: number, row: Float64Array): void {
  const x = arrayOf(ctx.heap, a.q.dtype);
  const q = baseIndex(a.q) + (b * d.L + i) * d.E;
  const k = baseIndex(a.k) + b * d.S * d.E;
  const mask = a.mask;
  const ma = mask ? arrayOf(ctx.heap, mask.dtype) : null;
  const mb = mask ? baseIndex(mask) + maskBatchOffsets(mask)[b] : 0;
  const r = mask ? mask.shape.length : 0;
  for (let j = 0; j < d.S; j++) {
    let s = 0;
    for (let e = 0; e < d.E; e++) s += x[q + e] * x[k + j * d.E + e];
    s *= a.scale;
    if (a.causal && j > i) s = Number.NEGATIVE_INFINITY;
    else if (mask && ma) {
      const mv = ma[mb + i * mask.strides[r - 2] + j * mask.strides[r - 1]];
      if (mask.dtype === 'bool') s = mv ? s : Number.NEGATIVE_INFINITY;
      else s += mv;
    }
    row[j] = s;
  }
}

function attentionLoops(ctx: Ctx, a: AttentionArgs, d: Dims, out: WasmStorage, lse: WasmStorage): void {
  const dtype = a.q.dtype;
  const x = arrayOf(ctx.heap, dtype);
  const v = baseIndex(a.v);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  const l = baseIndex({ storage: lse, dtype, shape: [1], strides: [1], offset: 0 });
  const row = new Float64Array(d.S);
  for (let b = 0; b < d.B; b++) {
    for (let i = 0; i < d.L; i++) {
      rowScores(ctx, a, d, b, i, row);
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < d.S; j++) m = Math.max(m, row[j]);
      const oi = o + (b * d.L + i) * d.Ev;
      x.fill(0, oi, oi + d.Ev);
      if (m === Number.NEGATIVE_INFINITY) {
        x[l + b * d.L + i] = Number.POSITIVE_INFINITY;
        continue;
      }
      let sum = 0;
      for (let j = 0; j < d.S; j++) {
        const p = Math.exp(row[j] - m);
        sum += p;
        const vj = v + (b * d.S + j) * d.Ev;
        for (let c = 0; c < d.Ev; c++) x[oi + c] += p * x[vj + c];
      }
      for (let c = 0; c < d.Ev; c++) x[oi + c] /= sum;
      x[l + b * d.L + i] = m + Math.log(sum);
    }
  }
}

function attentionBackwardLoops(
  ctx: Ctx,
  a: AttentionBackwardArgs,
  d: Dims,
  g: { dq: WasmStorage; dk: WasmStorage; dv: WasmStorage },
): void {
  const dtype = a.q.dtype;
  const x = arrayOf(ctx.heap, dtype);
  const at = (s: WasmStorage) => baseIndex({ storage: s, dtype, shape: [1], strides: [1], offset: 0 });
  const [dq, dk, dv] = [at(g.dq), at(g.dk), at(g.dv)];
  x.fill(0, dq, dq + sizeOf([d.B, d.L, d.E]));
  x.fill(0, dk, dk + sizeOf([d.B, d.S, d.E]));
  x.fill(0, dv, dv + sizeOf([d.B, d.S, d.Ev]));
  const [q, k, v, o, l, go] = [a.q, a.k, a.v, a.out, a.lse, a.dOut].map(baseIndex);
  const row = new Float64Array(d.S);
  for (let b = 0; b < d.B; b++) {
    for (let i = 0; i < d.L; i++) {
      rowScores(ctx, a, d, b, i, row);
      const lse = x[l + b * d.L + i];
      const gi = go + (b * d.L + i) * d.Ev;
      const oi = o + (b * d.L + i) * d.Ev;
      let rowDot = 0;
      for (let c = 0; c < d.Ev; c++) rowDot += x[gi + c] * x[oi + c];
      const qi = q + (b * d.L + i) * d.E;
      for (let j = 0; j < d.S; j++) {
        const p = Math.exp(row[j] - lse);
        if (p === 0) continue;
        const vj = v + (b * d.S + j) * d.Ev;
        let dp = 0;
        for (let c = 0; c < d.Ev; c++) {
          dp += x[gi + c] * x[vj + c];
          x[dv + (b * d.S + j) * d.Ev + c] += p * x[gi + c];
        }
        const ds = p * (dp - rowDot) * a.scale;
        const kj = k + (b * d.S + j) * d.E;
        for (let e = 0; e < d.E; e++) {
          x[dq + (b * d.L + i) * d.E + e] += ds * x[kj + e];
          x[dk + (b * d.S + j) * d.E + e] += ds * x[qi + e];
        }
      }
    }
  }
}
