import {
  type Conv2dParams,
  contiguousStrides,
  type FusedActivation,
  sizeOf,
  type TensorView,
} from '@nn/tensor';
import { type Conv2dGeometry, conv2dGeometry } from '@nn/tensor/internal';
import type { Parallel } from './backend.js';
import { allocOut, type Ctx, withMeta } from './context.js';
import { contiguousView } from './contiguous.js';
import type { WasmStorage } from './heap.js';
import { type DirectLayout, directLayout, directMeta } from './ops-conv-direct.js';
import { reluBackward } from './ops-elementwise.js';
import { BIAS_ROWS, RELU } from './ops-matmul.js';
import { reduce } from './ops-reduce.js';
import { arrayOf, baseIndex, basePtr } from './strided.js';
import type { Job } from './threads.js';

// Convolution as GEMM, per sample and group (assembly/convgemm.ts): im2col gathers one sample's
// receptive fields into a [Cg*kh*kw, OH*OW] matrix in wasm memory and one GEMM writes the NCHW
// output directly; threads split the batch.
// float64 (gradcheck) takes a direct loop instead.

/** Integer parameters the assembly conv kernels read from the meta block, in their order. */
function convMeta(g: Conv2dGeometry): number[] {
  const { p } = g;
  return [
    g.cg,
    g.h,
    g.w,
    g.kh,
    g.kw,
    p.stride[0],
    p.stride[1],
    p.padding[0],
    p.padding[1],
    p.dilation[0],
    p.dilation[1],
    g.oh,
    g.ow,
    g.l,
    g.g,
    g.og,
    g.c,
    g.outC,
  ];
}

type Mode = 'forward' | 'input' | 'weight';

/** Jobs a batch is cut into (enough for 8 threads). */
const CONV_JOBS = 8;

/** Direct convolution loops (any float dtype): out += products over every in-bounds tap. */
function direct(
  ctx: Ctx,
  mode: Mode,
  g: Conv2dGeometry,
  p: Conv2dParams,
  x: number,
  w: number,
  y: number,
  out: WasmStorage,
  dtype: 'float32' | 'float64',
): void {
  const a = arrayOf(ctx.heap, dtype);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const grp = Math.floor(oc / g.og);
      for (let oh = 0; oh < g.oh; oh++) {
        for (let ow = 0; ow < g.ow; ow++) {
          const yi = ((n * g.outC + oc) * g.oh + oh) * g.ow + ow;
          let acc = 0;
          for (let c = 0; c < g.cg; c++) {
            const xc = n * g.c + grp * g.cg + c;
            for (let i = 0; i < g.kh; i++) {
              const ih = oh * sh - ph + i * dh;
              if (ih < 0 || ih >= g.h) continue;
              for (let j = 0; j < g.kw; j++) {
                const iw = ow * sw - pw + j * dw;
                if (iw < 0 || iw >= g.w) continue;
                const xi = (xc * g.h + ih) * g.w + iw;
                const wi = ((oc * g.cg + c) * g.kh + i) * g.kw + j;
                if (mode === 'forward') acc += a[x + xi] * a[w + wi];
                else if (mode === 'input') a[o + xi] += a[y + yi] * a[w + wi];
                else a[o + wi] += a[y + yi] * a[x + xi];
              }
            }
          }
          if (mode === 'forward') a[o + yi] = acc;
        }
      }
    }
  }
}

/** What the forward kernel adds to its output before writing it (a Conv layer's bias, and relu). */
interface Epilogue {
  bias: TensorView;
  activation: FusedActivation;
}

/** The epilogue on the direct loops' output (float64): bias per channel, then relu (NaN stays). */
function biasAndActivation(
  ctx: Ctx,
  g: Conv2dGeometry,
  out: WasmStorage,
  bias: number,
  activation: FusedActivation,
  dtype: 'float32' | 'float64',
): void {
  const a = arrayOf(ctx.heap, dtype);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  const plane = g.oh * g.ow;
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const b = a[bias + oc];
      const base = o + (n * g.outC + oc) * plane;
      for (let i = base; i < base + plane; i++) {
        const v = a[i] + b;
        a[i] = activation === 'relu' && v < 0 ? 0 : v;
      }
    }
  }
}

/**
 * Samples split into a fixed number of jobs (not one per thread: the weight gradient sums
 * per-job partials, and the result must not depend on the thread count).
 */
function sampleRanges(n: number): [number, number][] {
  const per = Math.ceil(n / Math.max(1, Math.min(n, CONV_JOBS)));
  const ranges: [number, number][] = [];
  for (let n0 = 0; n0 < n; n0 += per) ranges.push([n0, Math.min(n, n0 + per)]);
  return ranges;
}

/** out += each later job's partial weight gradient (the first job wrote into out itself). */
function addPartials(ctx: Ctx, out: WasmStorage, partials: number[], size: number): void {
  const a = ctx.heap.f32;
  const o = out.ptr >> 2;
  for (let j = 1; j < partials.length; j++) {
    const q = partials[j] >> 2;
    for (let i = 0; i < size; i++) a[o + i] += a[q + i];
  }
}

/**
 * Whether the weights are all finite. The input gradient's direct kernel multiplies zero padding
 * by every tap, and 0 * inf is NaN where the transposed GEMM gives inf; such weights take the GEMM.
 */
function weightsFinite(ctx: Ctx, w: TensorView): boolean {
  return ctx.k.allFinite(basePtr(w), sizeOf(w.shape)) !== 0;
}

interface ConvOperands {
  x?: { view: TensorView };
  w?: { view: TensorView };
  dy?: { view: TensorView };
  bias?: { view: TensorView };
}

/** What a direct-kernel call adds to plain convolution. */
interface DirectExtras {
  /** Forward: the bias and activation applied to the output. */
  epilogue?: Epilogue;
  /** Gradients: relu's output, masking dy where it is not > 0 (0: none). */
  mask?: number;
  /** Weight gradient: also the bias gradient, written here. */
  bias?: WasmStorage;
}

/** A direct-kernel call made ready: its jobs, what to do after they ran, and what it allocated. */
interface DirectCall {
  jobs: Job[];
  /** Adds the per-job partial sums into the results. */
  finish(): void;
  release(): void;
}

/** float32, stride 1, dilation 1, one group: the direct kernels (assembly/convdirect.ts). */
function prepareDirect(
  ctx: Ctx,
  mode: Mode,
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
function runDirect(par: Parallel, calls: (() => DirectCall)[]): void {
  const ready: DirectCall[] = [];
  try {
    for (const make of calls) ready.push(make());
    par.run(ready.flatMap((c) => c.jobs));
    for (const c of ready) c.finish();
  } finally {
    for (const c of ready) c.release();
  }
}

function zeroed(ctx: Ctx, size: number, dtype: 'float32' | 'float64'): WasmStorage {
  const out = allocOut(ctx, size, dtype);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  arrayOf(ctx.heap, dtype).fill(0, o, o + size);
  return out;
}

function run(
  ctx: Ctx,
  par: Parallel,
  mode: Mode,
  views: { x?: TensorView; w?: TensorView; dy?: TensorView },
  shapes: { x: readonly number[]; w: readonly number[]; y: readonly number[] },
  p: Conv2dParams,
  epilogue?: Epilogue,
): WasmStorage {
  const dtype = (views.x ?? views.w ?? views.dy)!.dtype as 'float32' | 'float64';
  const g = conv2dGeometry(shapes.x, shapes.w, shapes.y, p);
  const c = {
    x: views.x && contiguousView(ctx, views.x),
    w: views.w && contiguousView(ctx, views.w),
    dy: views.dy && contiguousView(ctx, views.dy),
    bias: epilogue && contiguousView(ctx, epilogue.bias),
  };
  try {
    const outSize = sizeOf(mode === 'forward' ? shapes.y : mode === 'input' ? shapes.x : shapes.w);
    const f32 = dtype === 'float32';
    const layout = f32 && outSize > 0 ? directLayout(g, p, mode) : null;
    const useDirect = layout !== null && (mode !== 'input' || weightsFinite(ctx, c.w!.view));
    // col2im adds into the input gradient, and the float64 loops add into every output.
    const zero = (mode === 'input' && !useDirect) || !f32 || g.n === 0;
    const out = zero ? zeroed(ctx, outSize, dtype) : allocOut(ctx, outSize, dtype);
    if (outSize === 0) return out;
    if (!f32) {
      const idx = (v?: { view: TensorView }) => (v ? baseIndex(v.view) : 0);
      direct(ctx, mode, g, p, idx(c.x), idx(c.w), idx(c.dy), out, dtype);
      if (epilogue) biasAndActivation(ctx, g, out, idx(c.bias), epilogue.activation, dtype);
      return out;
    }
    if (useDirect) {
      runDirect(par, [() => prepareDirect(ctx, mode, g, layout, c, out, { epilogue })]);
      return out;
    }
    // Each job has its own im2col buffer (K x P, small enough to stay in cache) and, for the
    // weight gradient, its own partial sum.
    const ranges = sampleRanges(g.n);
    const colBytes = Math.max(16, g.k * g.l * 4);
    const dwBytes = g.outC * g.k * 4;
    const cols = ranges.map(() => ctx.heap.allocBytes(colBytes));
    const partials =
      mode === 'weight' ? ranges.map((_, j) => (j === 0 ? out.ptr : ctx.heap.allocBytes(dwBytes))) : [];
    try {
      withMeta(ctx, convMeta(g), 0, (meta) => {
        const xp = c.x ? basePtr(c.x.view) : 0;
        const wp = c.w ? basePtr(c.w.view) : 0;
        const yp = c.dy ? basePtr(c.dy.view) : 0;
        const bp = c.bias ? basePtr(c.bias.view) : 0;
        const epi = epilogue ? BIAS_ROWS | (epilogue.activation === 'relu' ? RELU : 0) : 0;
        const jobs: Job[] = ranges.map(([n0, n1], j) => {
          if (mode === 'forward')
            return { kernel: 'convForward', args: [xp, wp, out.ptr, cols[j], 0, meta, n0, n1, bp, epi] };
          if (mode === 'input')
            return { kernel: 'convBackwardInput', args: [yp, wp, out.ptr, cols[j], 0, meta, n0, n1] };
          return { kernel: 'convBackwardWeight', args: [xp, yp, partials[j], cols[j], 0, meta, n0, n1] };
        });
        par.run(jobs);
      });
      addPartials(ctx, out, partials, g.outC * g.k);
    } finally {
      for (const col of cols) ctx.heap.freeBytes(col, colBytes);
      for (let j = 1; j < partials.length; j++) ctx.heap.freeBytes(partials[j], dwBytes);
    }
    return out;
  } finally {
    c.x?.release();
    c.w?.release();
    c.dy?.release();
    c.bias?.release();
  }
}

export function conv2d(
  ctx: Ctx,
  par: Parallel,
  x: TensorView,
  w: TensorView,
  p: Conv2dParams,
  outShape: readonly number[],
): WasmStorage {
  return run(ctx, par, 'forward', { x, w }, { x: x.shape, w: w.shape, y: outShape }, p);
}

export function conv2dBias(
  ctx: Ctx,
  par: Parallel,
  x: TensorView,
  w: TensorView,
  bias: TensorView,
  p: Conv2dParams,
  outShape: readonly number[],
  activation: FusedActivation,
): WasmStorage {
  return run(ctx, par, 'forward', { x, w }, { x: x.shape, w: w.shape, y: outShape }, p, { bias, activation });
}

export function conv2dBackwardInput(
  ctx: Ctx,
  par: Parallel,
  dy: TensorView,
  w: TensorView,
  p: Conv2dParams,
  xShape: readonly number[],
): WasmStorage {
  return run(ctx, par, 'input', { dy, w }, { x: xShape, w: w.shape, y: dy.shape }, p);
}

export function conv2dBackwardWeight(
  ctx: Ctx,
  par: Parallel,
  x: TensorView,
  dy: TensorView,
  p: Conv2dParams,
  wShape: readonly number[],
): WasmStorage {
  return run(ctx, par, 'weight', { x, dy }, { x: x.shape, w: wShape, y: dy.shape }, p);
}

/**
 * conv2dBias's gradients. float32 with the direct kernels for every gradient wanted: dy is masked
 * by relu's output as the kernels read it, and the weight kernel sums the bias gradient on the
 * way. Otherwise relu's gradient is made first, then the separate kernels and a sum.
 */
export function conv2dBiasBackward(
  ctx: Ctx,
  par: Parallel,
  x: TensorView,
  w: TensorView,
  y: TensorView,
  dy: TensorView,
  p: Conv2dParams,
  activation: FusedActivation,
  input: boolean,
): { input: WasmStorage | null; weight: WasmStorage; bias: WasmStorage } {
  const g = conv2dGeometry(x.shape, w.shape, dy.shape, p);
  const f32 = dy.dtype === 'float32';
  const weightLayout = f32 ? directLayout(g, p, 'weight') : null;
  const inputLayout = f32 && input ? directLayout(g, p, 'input') : null;
  const made: WasmStorage[] = [];
  const keep = (s: WasmStorage): WasmStorage => {
    made.push(s);
    return s;
  };
  try {
    if (weightLayout && (!input || (inputLayout && weightsFinite(ctx, w)))) {
      const mask = activation === 'relu' ? basePtr(y) : 0;
      const views = { x: { view: x }, w: { view: w }, dy: { view: dy } };
      const weight = keep(allocOut(ctx, sizeOf(w.shape), 'float32'));
      const bias = keep(allocOut(ctx, g.outC, 'float32'));
      const dx = inputLayout ? keep(allocOut(ctx, sizeOf(x.shape), 'float32')) : null;
      // Both gradients' jobs in one parallel round: one hand-off to the threads instead of two.
      const calls = [() => prepareDirect(ctx, 'weight', g, weightLayout, views, weight, { mask, bias })];
      if (inputLayout && dx)
        calls.push(() => prepareDirect(ctx, 'input', g, inputLayout, views, dx, { mask }));
      runDirect(par, calls);
      return { input: dx, weight, bias };
    }
    const gz = activation === 'relu' ? keep(reluBackward(ctx, y, dy)) : null;
    const gv: TensorView = gz
      ? { storage: gz, dtype: dy.dtype, shape: dy.shape, strides: contiguousStrides(dy.shape), offset: 0 }
      : dy;
    const result = {
      input: input ? keep(conv2dBackwardInput(ctx, par, gv, w, p, x.shape)) : null,
      weight: keep(conv2dBackwardWeight(ctx, par, x, gv, p, w.shape)),
      bias: keep(reduce(ctx, 'sum', gv, [0, 2, 3])),
    };
    if (gz) ctx.heap.free(gz);
    return result;
  } catch (e) {
    for (const s of made) ctx.heap.free(s);
    throw e;
  }
}
