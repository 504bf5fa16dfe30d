import { type Conv2dParams, sizeOf, type TensorView } from '@nn/tensor';
import type { Parallel } from './backend.js';
import { allocOut, type Ctx, withMeta } from './context.js';
import { contiguousView } from './contiguous.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr } from './strided.js';
import type { Job } from './threads.js';

// Convolution as GEMM: per group, im2col gathers the receptive fields of the whole batch into one
// [Cg*kh*kw, N*OH*OW] matrix in wasm memory, so each pass is a single large GEMM that threads
// split by columns.
// float64 (gradcheck) takes a direct loop instead.

interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  OH: number;
  OW: number;
  kh: number;
  kw: number;
  G: number;
  Cg: number;
  OCg: number;
  K: number;
  P: number;
  meta: number[];
}

function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  yShape: readonly number[],
  p: Conv2dParams,
): Geometry {
  const [N, C, H, W] = xShape;
  const [OC, Cg, kh, kw] = wShape;
  const [, , OH, OW] = yShape;
  const G = p.groups;
  const meta = [
    Cg,
    H,
    W,
    kh,
    kw,
    p.stride[0],
    p.stride[1],
    p.padding[0],
    p.padding[1],
    p.dilation[0],
    p.dilation[1],
    OH,
    OW,
  ];
  return { N, C, H, W, OC, OH, OW, kh, kw, G, Cg, OCg: OC / G, K: Cg * kh * kw, P: OH * OW, meta };
}

type Mode = 'forward' | 'input' | 'weight';

/** Direct convolution loops (any float dtype): out += products over every in-bounds tap. */
function direct(
  ctx: Ctx,
  mode: Mode,
  g: Geometry,
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
  for (let n = 0; n < g.N; n++) {
    for (let oc = 0; oc < g.OC; oc++) {
      const grp = Math.floor(oc / g.OCg);
      for (let oh = 0; oh < g.OH; oh++) {
        for (let ow = 0; ow < g.OW; ow++) {
          const yi = ((n * g.OC + oc) * g.OH + oh) * g.OW + ow;
          let acc = 0;
          for (let c = 0; c < g.Cg; c++) {
            const xc = n * g.C + grp * g.Cg + c;
            for (let i = 0; i < g.kh; i++) {
              const ih = oh * sh - ph + i * dh;
              if (ih < 0 || ih >= g.H) continue;
              for (let j = 0; j < g.kw; j++) {
                const iw = ow * sw - pw + j * dw;
                if (iw < 0 || iw >= g.W) continue;
                const xi = (xc * g.H + ih) * g.W + iw;
                const wi = ((oc * g.Cg + c) * g.kh + i) * g.kw + j;
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
): WasmStorage {
  const dtype = (views.x ?? views.w ?? views.dy)!.dtype as 'float32' | 'float64';
  const g = geometry(shapes.x, shapes.w, shapes.y, p);
  const c = {
    x: views.x && contiguousView(ctx, views.x),
    w: views.w && contiguousView(ctx, views.w),
    dy: views.dy && contiguousView(ctx, views.dy),
  };
  try {
    const outSize = sizeOf(mode === 'forward' ? shapes.y : mode === 'input' ? shapes.x : shapes.w);
    const out = mode === 'forward' ? allocOut(ctx, outSize, dtype) : zeroed(ctx, outSize, dtype);
    if (outSize === 0) return out;
    if (dtype !== 'float32') {
      const idx = (v?: { view: TensorView }) => (v ? baseIndex(v.view) : 0);
      direct(ctx, mode, g, p, idx(c.x), idx(c.w), idx(c.dy), out, dtype);
      return out;
    }
    const NP = g.N * g.P;
    const colBytes = Math.max(4, g.K * NP * 4);
    const tmpWords = mode === 'forward' ? g.OCg * NP : mode === 'input' || mode === 'weight' ? g.OC * NP : 0;
    const col = ctx.heap.allocBytes(colBytes);
    const tmp = ctx.heap.allocBytes(Math.max(4, tmpWords * 4));
    try {
      withMeta(ctx, [...g.meta, NP], 0, (meta) => {
        const xp = c.x ? basePtr(c.x.view) : 0;
        const wp = c.w ? basePtr(c.w.view) : 0;
        const yp = c.dy ? basePtr(c.dy.view) : 0;
        const f32 = () => ctx.heap.f32;
        const gemm = par.gemm;
        // im2col / col2im of the batch, split by samples across the threads.
        const bySamples = (
          kernel: 'im2colBatch' | 'col2imBatch',
          first: number,
          second: number,
          s1: number,
          s2: number,
        ): void => {
          const t = Math.max(1, Math.min(4 * par.available() - 3, g.N));
          const per = Math.ceil(g.N / t);
          const jobs: Job[] = [];
          for (let n0 = 0; n0 < g.N; n0 += per)
            jobs.push({ kernel, args: [first, second, meta, n0, Math.min(g.N, n0 + per), s1, s2] });
          par.run(jobs);
        };
        const xSample = g.C * g.H * g.W * 4;
        if (mode !== 'forward') {
          // dy [N, OC, P] -> [OC, N*P], so one GEMM covers the whole batch.
          ctx.k.transposeBlocks(yp, tmp, g.N, g.OC, g.P * 4);
        }
        for (let grp = 0; grp < g.G; grp++) {
          const wOff = grp * g.OCg * g.K * 4;
          const xPtr = (n: number) => xp + (n * g.C + grp * g.Cg) * g.H * g.W * 4;
          if (mode === 'forward') {
            bySamples('im2colBatch', xPtr(0), col, xSample, g.P * 4);
            gemm(g.OCg, NP, g.K, wp + wOff, g.K, 1, col, NP, 1, tmp);
            if (g.G === 1) {
              ctx.k.transposeBlocks(tmp, out.ptr, g.OC, g.N, g.P * 4);
              continue;
            }
            const a = f32();
            for (let n = 0; n < g.N; n++) {
              for (let oc = 0; oc < g.OCg; oc++) {
                const src = (tmp >> 2) + oc * NP + n * g.P;
                a.copyWithin((out.ptr >> 2) + (n * g.OC + grp * g.OCg + oc) * g.P, src, src + g.P);
              }
            }
          } else if (mode === 'input') {
            // dcol = W_g^T dy_g, scattered back onto the input positions each column read.
            gemm(g.K, NP, g.OCg, wp + wOff, 1, g.K, tmp + grp * g.OCg * NP * 4, NP, 1, col);
            bySamples('col2imBatch', col, out.ptr + grp * g.Cg * g.H * g.W * 4, g.P * 4, xSample);
          } else {
            bySamples('im2colBatch', xPtr(0), col, xSample, g.P * 4);
            gemm(g.OCg, g.K, NP, tmp + grp * g.OCg * NP * 4, NP, 1, col, 1, NP, out.ptr + wOff);
          }
        }
      });
    } finally {
      ctx.heap.freeBytes(col, colBytes);
      ctx.heap.freeBytes(tmp, Math.max(4, tmpWords * 4));
    }
    return out;
  } finally {
    c.x?.release();
    c.w?.release();
    c.dy?.release();
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
