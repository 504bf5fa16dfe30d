import { type Pool2dParams, sizeOf, type TensorView } from '@nn/tensor';
import type { Parallel } from './backend.js';
import { allocOut, type Ctx, withMeta } from './context.js';
import { contiguousView } from './contiguous.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr } from './strided.js';
import type { Job } from './threads.js';

// Pooling over contiguous NCHW planes, with PyTorch's rules: max pool skips padding (and lets a
// NaN win), avg pool divides by the padded window (countIncludePad) or by the in-bounds taps.

function outIndex(s: WasmStorage, dtype: TensorView['dtype']): number {
  return baseIndex({ storage: s, dtype, shape: [1], strides: [1], offset: 0 });
}

/** For each output position along one dim: first in-bounds tap, end tap, input coordinate of tap 0. */
function taps(out: number, stride: number, pad: number, k: number, dil: number, size: number): Int32Array {
  const t = new Int32Array(out * 3);
  for (let o = 0; o < out; o++) {
    const start = o * stride - pad;
    let first = 0;
    while (first < k && start + first * dil < 0) first++;
    let end = k;
    while (end > first && start + (end - 1) * dil >= size) end--;
    t.set([first, end, start], o * 3);
  }
  return t;
}

/** Planes split across the threads: a few jobs per thread, none for fewer than ~4096 elements. */
function planeChunks(par: Parallel, planes: number, elements: number): [number, number][] {
  const t = Math.max(1, Math.min(4 * par.available() - 3, Math.floor(elements / 4096), planes));
  const per = Math.ceil(planes / t);
  const chunks: [number, number][] = [];
  for (let p0 = 0; p0 < planes; p0 += per) chunks.push([p0, Math.min(planes, p0 + per)]);
  return chunks;
}

export function maxPool2d(
  ctx: Ctx,
  par: Parallel,
  xIn: TensorView,
  p: Pool2dParams,
  outShape: readonly number[],
): { values: WasmStorage; indices: WasmStorage } {
  const cx = contiguousView(ctx, xIn);
  const x = cx.view;
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = outShape;
  const total = sizeOf(outShape);
  const values = allocOut(ctx, total, x.dtype);
  const indices = allocOut(ctx, total, 'int32');
  if (x.dtype === 'float32') {
    // Each job gets its own metadata (its plane count).
    const chunks = planeChunks(par, N * C, total);
    const rest = [H, W, OH, OW, ...p.kernel, ...p.stride, ...p.padding, ...p.dilation];
    const metas = chunks.flatMap(([p0, p1]) => [p1 - p0, ...rest]);
    withMeta(ctx, metas, 0, (mp) => {
      const xp = basePtr(x);
      const jobs: Job[] = chunks.map(([p0], j) => ({
        kernel: 'maxPool2dF32',
        args: [
          xp + p0 * H * W * 4,
          values.ptr + p0 * OH * OW * 4,
          indices.ptr + p0 * OH * OW * 4,
          mp + ((j * metas.length) / chunks.length) * 4,
        ],
      }));
      par.run(jobs);
    });
    cx.release();
    return { values, indices };
  }
  const a = arrayOf(ctx.heap, x.dtype);
  const i32 = ctx.heap.i32;
  const vo = outIndex(values, x.dtype);
  const io = indices.ptr >> 2;
  const rt = taps(OH, p.stride[0], p.padding[0], p.kernel[0], p.dilation[0], H);
  const ct = taps(OW, p.stride[1], p.padding[1], p.kernel[1], p.dilation[1], W);
  const [dh, dw] = p.dilation;
  const xb = baseIndex(x);
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const base = xb + plane * H * W;
    for (let i = 0; i < OH; i++) {
      const [r0, r1, rs] = [rt[i * 3], rt[i * 3 + 1], rt[i * 3 + 2]];
      for (let j = 0; j < OW; j++, o++) {
        const [c0, c1, cs] = [ct[j * 3], ct[j * 3 + 1], ct[j * 3 + 2]];
        let best = Number.NEGATIVE_INFINITY;
        let at = (rs + r0 * dh) * W + cs + c0 * dw;
        outer: for (let r = r0; r < r1; r++) {
          const row = (rs + r * dh) * W + cs;
          for (let c = c0; c < c1; c++) {
            const pos = row + c * dw;
            const v = a[base + pos];
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = pos;
              if (Number.isNaN(v)) break outer;
            }
          }
        }
        a[vo + o] = best;
        i32[io + o] = at;
      }
    }
  }
  cx.release();
  return { values, indices };
}

export function maxPool2dBackward(
  ctx: Ctx,
  par: Parallel,
  dyIn: TensorView,
  indicesIn: TensorView,
  xShape: readonly number[],
): WasmStorage {
  const cd = contiguousView(ctx, dyIn);
  const ci = contiguousView(ctx, indicesIn);
  const dy = cd.view;
  const [N, C, H, W] = xShape;
  const per = dy.shape[2] * dy.shape[3];
  const dx = allocOut(ctx, N * C * H * W, dy.dtype);
  if (dy.dtype === 'float32') {
    // Each job zeroes and fills its own planes of dx.
    const jobs: Job[] = planeChunks(par, N * C, N * C * H * W).map(([p0, p1]) => ({
      kernel: 'maxPool2dBackwardF32',
      args: [
        basePtr(dy) + p0 * per * 4,
        basePtr(ci.view) + p0 * per * 4,
        dx.ptr + p0 * H * W * 4,
        p1 - p0,
        per,
        H * W,
      ],
    }));
    par.run(jobs);
    cd.release();
    ci.release();
    return dx;
  }
  const a = arrayOf(ctx.heap, dy.dtype);
  const i32 = ctx.heap.i32;
  const d = outIndex(dx, dy.dtype);
  a.fill(0, d, d + N * C * H * W);
  const gb = baseIndex(dy);
  const ib = baseIndex(ci.view);
  for (let plane = 0; plane < N * C; plane++) {
    const src = plane * per;
    const dst = d + plane * H * W;
    for (let q = 0; q < per; q++) a[dst + i32[ib + src + q]] += a[gb + src + q];
  }
  cd.release();
  ci.release();
  return dx;
}

/** Avg pool windows along one dim (no dilation, as in PyTorch): [lo, hi, padded size, clipped size]. */
function windows(out: number, stride: number, pad: number, k: number, size: number): Int32Array {
  const t = new Int32Array(out * 4);
  for (let o = 0; o < out; o++) {
    const start = o * stride - pad;
    const end = Math.min(start + k, size + pad);
    const lo = Math.max(start, 0);
    const hi = Math.min(end, size);
    t.set([lo, hi, end - start, hi - lo], o * 4);
  }
  return t;
}

export function avgPool2d(
  ctx: Ctx,
  xIn: TensorView,
  p: Pool2dParams,
  include: boolean,
  outShape: readonly number[],
): WasmStorage {
  const cx = contiguousView(ctx, xIn);
  const x = cx.view;
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = outShape;
  const out = allocOut(ctx, sizeOf(outShape), x.dtype);
  const a = arrayOf(ctx.heap, x.dtype);
  const d = outIndex(out, x.dtype);
  const rt = windows(OH, p.stride[0], p.padding[0], p.kernel[0], H);
  const ct = windows(OW, p.stride[1], p.padding[1], p.kernel[1], W);
  const xb = baseIndex(x);
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const base = xb + plane * H * W;
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++, o++) {
        let s = 0;
        for (let r = rt[i * 4]; r < rt[i * 4 + 1]; r++) {
          const row = base + r * W;
          for (let c = ct[j * 4]; c < ct[j * 4 + 1]; c++) s += a[row + c];
        }
        a[d + o] = s / (include ? rt[i * 4 + 2] * ct[j * 4 + 2] : rt[i * 4 + 3] * ct[j * 4 + 3]);
      }
    }
  }
  cx.release();
  return out;
}

export function avgPool2dBackward(
  ctx: Ctx,
  dyIn: TensorView,
  p: Pool2dParams,
  include: boolean,
  xShape: readonly number[],
): WasmStorage {
  const cd = contiguousView(ctx, dyIn);
  const dy = cd.view;
  const [N, C, H, W] = xShape;
  const [, , OH, OW] = dy.shape;
  const dx = allocOut(ctx, N * C * H * W, dy.dtype);
  const a = arrayOf(ctx.heap, dy.dtype);
  const d = outIndex(dx, dy.dtype);
  a.fill(0, d, d + N * C * H * W);
  const rt = windows(OH, p.stride[0], p.padding[0], p.kernel[0], H);
  const ct = windows(OW, p.stride[1], p.padding[1], p.kernel[1], W);
  let o = baseIndex(dy);
  for (let plane = 0; plane < N * C; plane++) {
    const base = d + plane * H * W;
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++, o++) {
        const g = a[o] / (include ? rt[i * 4 + 2] * ct[j * 4 + 2] : rt[i * 4 + 3] * ct[j * 4 + 3]);
        for (let r = rt[i * 4]; r < rt[i * 4 + 1]; r++) {
          const row = base + r * W;
          for (let c = ct[j * 4]; c < ct[j * 4 + 1]; c++) a[row + c] += g;
        }
      }
    }
  }
  cd.release();
  return dx;
}
