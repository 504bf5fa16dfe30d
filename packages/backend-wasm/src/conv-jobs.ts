import type { FusedActivation, TensorView } from '@nn/tensor';
import type { Conv2dGeometry } from '@nn/tensor/internal';
import type { Ctx } from './context.js';
import type { WasmStorage } from './heap.js';

// What both convolution paths (im2col + GEMM in ops-conv.ts, the direct kernels in
// ops-conv-direct.ts) share: the meta block, the operands, and how a batch is cut into jobs.

/** Integer parameters the assembly conv kernels read from the meta block, in their order. */
export function convMeta(g: Conv2dGeometry): number[] {
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

/** Which result a conv call makes: the output, the input gradient or the weight gradient. */
export type ConvMode = 'forward' | 'input' | 'weight';

/** Jobs a batch is cut into (enough for 8 threads). */
export const CONV_JOBS = 8;

/** What the forward kernel adds to its output before writing it (a Conv layer's bias, and relu). */
export interface Epilogue {
  bias: TensorView;
  activation: FusedActivation;
}

/** One call's contiguous operands (those it has), each as the view its kernel reads. */
export interface ConvOperands {
  x?: { view: TensorView };
  w?: { view: TensorView };
  dy?: { view: TensorView };
  bias?: { view: TensorView };
}

/**
 * Samples split into a fixed number of jobs (not one per thread: the weight gradient sums
 * per-job partials, and the result must not depend on the thread count).
 */
export function sampleRanges(n: number): [number, number][] {
  const per = Math.ceil(n / Math.max(1, Math.min(n, CONV_JOBS)));
  const ranges: [number, number][] = [];
  for (let n0 = 0; n0 < n; n0 += per) ranges.push([n0, Math.min(n, n0 + per)]);
  return ranges;
}

/** out += each later job's partial weight gradient (the first job wrote into out itself). */
export function addPartials(ctx: Ctx, out: WasmStorage, partials: number[], size: number): void {
  const a = ctx.heap.f32;
  const o = out.ptr >> 2;
  for (let j = 1; j < partials.length; j++) {
    const q = partials[j] >> 2;
    for (let i = 0; i < size; i++) a[o + i] += a[q + i];
  }
}
