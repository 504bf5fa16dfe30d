import {
  type Conv2dParams,
  contiguousStrides,
  type FusedActivation,
  sizeOf,
  type TensorView,
} from '@nn/tensor';
import { conv2dGeometry } from '@nn/tensor/internal';
import type { Parallel } from './backend.js';
import { allocOut, type Ctx, withMeta } from './context.js';
import { contiguousView } from './contiguous.js';
import { addPartials, type ConvMode, convMeta, type Epilogue, sampleRanges } from './conv-jobs.js';
import { biasAndActivation, convLoops } from './conv-loops.js';
import type { WasmStorage } from './heap.js';
import { directLayout, prepareDirect, runDirect, weightsFinite } from './ops-conv-direct.js';
import { reluBackward } from './ops-elementwise.js';
import { BIAS_ROWS, RELU } from './ops-matmul.js';
import { reduce } from './ops-reduce.js';
import { arrayOf, baseIndex, basePtr } from './strided.js';
import type { Job } from './threads.js';

// The convolution ops: float32 with stride 1, dilation 1 and one group on the direct kernels
// (ops-conv-direct.ts) where they fit; otherwise as GEMM, per sample and group
// (assembly/convgemm.ts): im2col gathers one sample's receptive fields into a [Cg*kh*kw, OH*OW]
// matrix in wasm memory and one GEMM writes the NCHW output directly; threads split the batch.
// float64 (gradcheck) takes plain loops (conv-loops.ts).

function zeroed(ctx: Ctx, size: number, dtype: 'float32' | 'float64'): WasmStorage {
  const out = allocOut(ctx, size, dtype);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  arrayOf(ctx.heap, dtype).fill(0, o, o + size);
  return out;
}

function run(
  ctx: Ctx,
  par: Parallel,
  mode: ConvMode,
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
      convLoops(ctx, mode, g, p, idx(c.x), idx(c.w), idx(c.dy), out, dtype);
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
