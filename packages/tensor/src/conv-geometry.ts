import type { Conv2dParams } from './backend.js';

/** The sizes a conv2d kernel works with, read off its NCHW input, OIHW weight and output shapes. */
export interface Conv2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  outC: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  /** Groups. */
  g: number;
  /** Input channels per group. */
  cg: number;
  /** Output channels per group. */
  og: number;
  /** Rows of the im2col patch matrix: cg * kh * kw. */
  k: number;
  /** Output positions per image: oh * ow. */
  l: number;
  p: Conv2dParams;
}

/** Shared by the backends' conv kernels (forward and both backward passes). */
export function conv2dGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  yShape: readonly number[],
  p: Conv2dParams,
): Conv2dGeometry {
  const [n, c, h, w] = xShape;
  const [outC, cg, kh, kw] = wShape;
  const [, , oh, ow] = yShape;
  const g = p.groups;
  return { n, c, h, w, outC, kh, kw, oh, ow, g, cg, og: outC / g, k: cg * kh * kw, l: oh * ow, p };
}
