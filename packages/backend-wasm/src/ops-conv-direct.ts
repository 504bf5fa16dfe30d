import type { Conv2dParams } from '@nn/tensor';
import type { Conv2dGeometry } from '@nn/tensor/internal';

// The layout of the direct convolution kernels (assembly/convdirect.ts): stride 1, dilation 1,
// one group. The source (x, or dy for the input gradient) is copied into zero-padded planes of
// rows `wr` floats apart, and every output is read off "wide" rows of the same width.

export type DirectMode = 'forward' | 'input' | 'weight';

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
export function directLayout(g: Conv2dGeometry, p: Conv2dParams, mode: DirectMode): DirectLayout | null {
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
