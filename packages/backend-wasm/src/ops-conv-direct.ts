import { type Conv2dParams, sizeOf, type TensorView } from '@nn/tensor';
import type { Conv2dGeometry } from '@nn/tensor/internal';
import type { Parallel } from './backend.js';
import type { Ctx } from './context.js';
import {
  addPartials,
  type ConvMode,
  type ConvOperands,
  convMeta,
  type Epilogue,
  sampleRanges,
} from './conv-jobs.js';
import type { WasmStorage } from './heap.js';
import { BIAS_ROWS, RELU } from './ops-matmul.js';
import { basePtr } from './strided.js';
import type { Job } from './threads.js';

// The direct convolution kernels (assembly/convdirect.ts) for stride 1, dilation 1 and one group:
// their layout (the source, x or dy for the input gradient, copied into zero-padded planes of
// rows `wr` floats apart, every output read off "wide" rows of the same width), and their calls
// as jobs for the threads.

/** Everything the kernels read from their meta block after the im2col layout, in its order. */
export interface DirectLayout {
  inC: number;
  inH: number;
  inW: number;
  top: number;
  left: number;
  wr: number;
  plane: number;
  srcFloats: number;
  /** Taps per output row (Cin·kh·kw, or Cout·kh·kw for the input gradient). */
  e: number;
  o4: number;
  qr: number;
  q0: number;
  outC: number;
  outH: number;
  outW: number;
  outLeft: number;
  /** Byte offset of tap e = (channel, i, j) from a wide position, then one zero if e is odd. */
  offsets: number[];
  /** Scratch bytes one job needs. */
  jobBytes: number;
}

/**
 * The largest per-job scratch (padded sample + wide rows) the direct kernels take. Past it the
 * working set leaves L2 and the packed GEMM's blocking wins.
 */
export const DIRECT_MAX_JOB_BYTES = 256 * 1024;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** The direct kernels' layout for this convolution, or null when they do not apply. */
export function directLayout(g: Conv2dGeometry, p: Conv2dParams, mode: ConvMode): DirectLayout | null {
  const unit = (v: readonly number[]) => v[0] === 1 && v[1] === 1;
  if (!unit(p.stride) || !unit(p.dilation) || g.g !== 1 || g.n === 0) return null;
  const [ph, pw] = p.padding;
  const { kh, kw } = g;
  // The input gradient correlates dy, padded by kernel - 1, with the flipped taps.
  const input = mode === 'input';
  const src = input
    ? { c: g.outC, h: g.oh, w: g.ow, top: kh - 1, left: kw - 1 }
    : { c: g.c, h: g.h, w: g.w, top: ph, left: pw };
  const wr = src.w + 2 * src.left;
  const plane = (src.h + 2 * src.top) * wr;
  const out = input ? { c: g.c, h: g.h, w: g.w, left: pw } : { c: g.outC, h: g.oh, w: g.ow, left: 0 };
  const q0 = input ? ph * wr : 0;
  const qr = roundUp(out.h * wr, 8);
  const offsets: number[] = [];
  for (let c = 0; c < src.c; c++)
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) offsets.push((c * plane + i * wr + j) * 4);
  const e = offsets.length;
  if (e % 2 === 1) offsets.push(0);
  const maxOffset = ((src.c - 1) * plane + (kh - 1) * wr + kw - 1) * 4;
  // Reads reach wide position q0 + qr - 1 plus the largest tap offset; rounded to whole vectors.
  const srcFloats = roundUp(Math.max(src.c * plane, q0 + qr + maxOffset / 4), 4);
  const rows = mode === 'weight' ? g.outC : out.c;
  const o4 = roundUp(rows, 4);
  // The kernels compute output rows four at a time; one or two rows would waste half or more.
  if (o4 * 3 > rows * 4) return null;
  // The weight gradient's per-lane sums, the GEMM fallback's im2col and dense dy, the bias sums (f64).
  const weight = mode === 'weight' ? o4 * offsets.length * 4 + g.k * g.l + g.outC * g.l + 2 * o4 : 0;
  const jobBytes = (srcFloats + o4 * qr + weight) * 4;
  if (jobBytes > DIRECT_MAX_JOB_BYTES) return null;
  return {
    inC: src.c,
    inH: src.h,
    inW: src.w,
    top: src.top,
    left: src.left,
    wr,
    plane,
    srcFloats,
    e,
    o4,
    qr,
    q0,
    outC: out.c,
    outH: out.h,
    outW: out.w,
    outLeft: out.left,
    offsets,
    jobBytes,
  };
}

/** The meta words after the im2col layout (assembly/convdirect.ts lists them). */
export function directMeta(d: DirectLayout): number[] {
  return [
    d.inC,
    d.inH,
    d.inW,
    d.top,
    d.left,
    d.wr,
    d.plane,
    d.srcFloats,
    d.e,
    d.o4,
    d.qr,
    d.q0,
    d.outC,
    d.outH,
    d.outW,
    d.outLeft,
  ];
}

/**
 * Whether the weights are all finite. The input gradient's direct kernel multiplies zero padding
 * by every tap, and 0 * inf is NaN where the transposed GEMM gives inf; such weights take the GEMM.
 */
export function weightsFinite(ctx: Ctx, w: TensorView): boolean {
  return ctx.k.allFinite(basePtr(w), sizeOf(w.shape)) !== 0;
}

/** What a direct-kernel call adds to plain convolution. */
export interface DirectExtras {
  /** Forward: the bias and activation applied to the output. */
  epilogue?: Epilogue;
  /** Gradients: relu's output, masking dy where it is not > 0 (0: none). */
  mask?: number;
  /** Weight gradient: also the bias gradient, written here. */
  bias?: WasmStorage;
}

/** A direct-kernel call made ready: its jobs, what to do after they ran, and what it allocated. */
export interface DirectCall {
  jobs: Job[];
  /** Adds the per-job partial sums into the results. */
  finish(): void;
  release(): void;
}

/** float32, stride 1, dilation 1, one group: the direct kernels (assembly/convdirect.ts). */
export function prepareDirect(
  ctx: Ctx,
  mode: ConvMode,
  g: Conv2dGeometry,
  d: DirectLayout,
  c: ConvOperands,
  out: WasmStorage,
  extras: DirectExtras = {},
): DirectCall {
  const ptr = (v?: { view: TensorView }) => (v ? basePtr(v.view) : 0);
  const ranges = sampleRanges(g.n);
  const blocks: [number, number][] = [];
  const alloc = (bytes: number): number => {
    const at = ctx.heap.allocBytes(bytes);
    blocks.push([at, bytes]);
    return at;
  };
  const release = (): void => {
    for (const [at, bytes] of blocks) ctx.heap.freeBytes(at, bytes);
    blocks.length = 0;
  };
  try {
    const scratch = ranges.map(() => alloc(d.jobBytes));
    // Per-job partial sums (the weight gradient, and the bias's): the first job writes the result.
    const partialsOf = (first: WasmStorage | undefined, size: number): number[] =>
      mode === 'weight' && first ? ranges.map((_, j) => (j === 0 ? first.ptr : alloc(size * 4))) : [];
    const dwSize = g.outC * g.k;
    const partials = partialsOf(out, dwSize);
    const biasPartials = partialsOf(extras.bias, g.outC);
    const metaWords = [...convMeta(g), ...directMeta(d)];
    const meta = alloc((metaWords.length + d.offsets.length) * 4);
    const off = meta + metaWords.length * 4;
    ctx.heap.i32.set(metaWords, meta >> 2);
    ctx.heap.i32.set(d.offsets, off >> 2);
    const mask = extras.mask ?? 0;
    const finish = (): void => {
      addPartials(ctx, out, partials, dwSize);
      if (extras.bias) addPartials(ctx, extras.bias, biasPartials, g.outC);
    };
    if (mode === 'weight') {
      const jobs: Job[] = ranges.map(([n0, n1], j) => ({
        kernel: 'directWeight',
        args: [ptr(c.x), ptr(c.dy), off, partials[j], scratch[j], meta, n0, n1, mask, biasPartials[j] ?? 0],
      }));
      return { jobs, finish, release };
    }
    const ws = alloc(d.o4 * d.e * 16);
    ctx.k.splatWeights(ptr(c.w), ws, g.outC, g.c, g.kh, g.kw, mode === 'input' ? 1 : 0);
    const src = mode === 'input' ? ptr(c.dy) : ptr(c.x);
    const { epilogue } = extras;
    const epi = epilogue ? BIAS_ROWS | (epilogue.activation === 'relu' ? RELU : 0) : 0;
    const jobs: Job[] = ranges.map(([n0, n1], j) => ({
      kernel: 'directCorrelate',
      args: [src, ws, off, out.ptr, scratch[j], meta, n0, n1, ptr(c.bias), epi, mask],
    }));
    return { jobs, finish, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Runs the direct calls' jobs as one parallel round (they are independent), then finishes them. */
export function runDirect(par: Parallel, calls: (() => DirectCall)[]): void {
  const ready: DirectCall[] = [];
  try {
    for (const make of calls) ready.push(make());
    par.run(ready.flatMap((c) => c.jobs));
    for (const c of ready) c.finish();
  } finally {
    for (const c of ready) c.release();
  }
}
