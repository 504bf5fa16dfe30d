import type { Pool2dParams } from '../../backend.js';
import { recordOp } from '../../engine.js';
import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions, optionKeys } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { div } from '../elementwise.js';
import { gather } from '../indexing.js';
import { matmul } from '../matmul.js';
import { max, mean, sum } from '../reduce.js';
import { contiguous, expand, reshape, squeeze, unsqueeze } from '../shape.js';
import { backendOf, fromStorage } from '../util.js';
import { checkSpatialInput, type IntOrTuple, poolOut, tuple } from './args.js';
import { pad } from './pad.js';
import { windows } from './windows.js';

/**
 * Options of `maxPool1d` / `maxPool2d` (PyTorch's names): window, stride (default: the window), padding, dilation, `ceilMode`, `returnIndices`.
 */
export interface MaxPoolOptions {
  kernelSize: IntOrTuple;
  /** The kernel size unless given. */
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/**
 * Options of `avgPool2d` (PyTorch's names): window, stride (default: the window), padding, `ceilMode`, `countIncludePad`.
 */
export interface AvgPoolOptions {
  kernelSize: IntOrTuple;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/**
 * Pooled values and the int32 position of each window's max within its input plane (h * W + w).
 * A type alias, not an interface, so that `tidy(() => maxPool2d(x, { returnIndices: true }))` type-checks.
 */
export type PoolWithIndices = {
  values: Tensor;
  indices: Tensor;
};

const MAX_POOL_KEYS = optionKeys<MaxPoolOptions>({
  kernelSize: 1,
  stride: 1,
  padding: 1,
  dilation: 1,
  ceilMode: 1,
  returnIndices: 1,
});
const AVG_POOL_KEYS = optionKeys<AvgPoolOptions>({
  kernelSize: 1,
  stride: 1,
  padding: 1,
  ceilMode: 1,
  countIncludePad: 1,
});

/** The options object, also from PyTorch's shorthand `maxPool2d(x, 2)` (the kernel size alone). */
function poolOptions<O extends { kernelSize: IntOrTuple }>(
  op: string,
  options: O | IntOrTuple,
  keys: readonly string[],
): O {
  if (typeof options === 'number' || Array.isArray(options)) return { kernelSize: options } as O;
  return checkOptions(op, options as O, keys);
}

interface PoolSpec extends Pool2dParams {
  out: [number, number];
}

function spec2d(
  op: string,
  x: Tensor,
  o: {
    kernelSize: IntOrTuple;
    stride?: IntOrTuple;
    padding?: IntOrTuple;
    dilation?: IntOrTuple;
    ceilMode?: boolean;
  },
): PoolSpec {
  if (!o || o.kernelSize === undefined) throw new ValueError(`${op}: options.kernelSize is required`);
  const kernel = tuple(op, 'kernelSize', o.kernelSize, 2, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : tuple(op, 'stride', o.stride, 2, 1);
  const padding = tuple(op, 'padding', o.padding ?? 0, 2, 0);
  const dilation = tuple(op, 'dilation', o.dilation ?? 1, 2, 1);
  const ceilMode = o.ceilMode ?? false;
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const eff = dilation[i] * (kernel[i] - 1) + 1;
    if (2 * padding[i] > eff) {
      throw new ValueError(
        `${op}: padding ${padding[i]} must be at most half of the (dilated) kernel size ${eff}`,
      );
    }
    const size = x.shape[2 + i];
    const n = poolOut(size, kernel[i], stride[i], padding[i], dilation[i], ceilMode);
    if (n < 1) {
      throw new ShapeError(
        `${op}: input ${fmtShape(x.shape)} is too small for kernel [${kernel.join(', ')}] (output size ${n})`,
      );
    }
    out.push(n);
  }
  return {
    kernel: [kernel[0], kernel[1]],
    stride: [stride[0], stride[1]],
    padding: [padding[0], padding[1]],
    dilation: [dilation[0], dilation[1]],
    ceilMode,
    out: [out[0], out[1]],
  };
}

/** Zero (or -inf) padding plus the extra right/bottom overhang that ceil mode's last window reads. */
function padFor(x: Tensor, s: PoolSpec, value: number): Tensor {
  const extra = [0, 1].map((i) => {
    const need = (s.out[i] - 1) * s.stride[i] + s.dilation[i] * (s.kernel[i] - 1) + 1;
    return Math.max(0, need - (x.shape[2 + i] + 2 * s.padding[i]));
  });
  const spec = [s.padding[1], s.padding[1] + extra[1], s.padding[0], s.padding[0] + extra[0]];
  return spec.some((p) => p > 0) ? pad(x, spec, value) : x;
}

/** The backend's fused forward kernel; its gradient picks fused or composite by itself (backward.ts). */
function fusedPool(x: Tensor, kind: 'max' | 'avg'): boolean {
  const f = x.backend.fused;
  return kind === 'max' ? !!f?.maxPool2d : !!f?.avgPool2d;
}

function params(s: PoolSpec): Pool2dParams {
  return {
    kernel: s.kernel,
    stride: s.stride,
    padding: s.padding,
    dilation: s.dilation,
    ceilMode: s.ceilMode,
  };
}

/**
 * x is 4-D; returns values and per-plane indices. Called inside the caller's tidy scope, which
 * frees the intermediates and whichever result the caller does not return.
 */
function maxPool4d(x: Tensor, s: PoolSpec, wantIndices: boolean): { values: Tensor; indices: Tensor | null } {
  const [n, c, , w] = x.shape;
  const outShape = [n, c, s.out[0], s.out[1]];
  if (fusedPool(x, 'max')) {
    const b = backendOf('maxPool2d', x);
    const xc = contiguous(x);
    const r = b.fused!.maxPool2d!(xc, params(s), outShape);
    const values = fromStorage(b, r.values, x.dtype, outShape);
    const indices = fromStorage(b, r.indices, 'int32', outShape);
    recordOp('maxPool2d', [xc, indices], [values], { params: params(s) });
    return { values, indices };
  }
  const xp = padFor(x, s, Number.NEGATIVE_INFINITY);
  const win = windows(xp, s.kernel, s.stride, s.dilation, s.out);
  const m = max(win, { dim: 2 });
  if (!wantIndices) return { values: m.values, indices: null };
  // Map each window's argmax (a kernel offset) to its position in the unpadded plane.
  const kk = s.kernel[0] * s.kernel[1];
  const [oh, ow] = s.out;
  const pos = new Int32Array(kk * oh * ow);
  for (let a = 0; a < s.kernel[0]; a++) {
    for (let bb = 0; bb < s.kernel[1]; bb++) {
      const k = a * s.kernel[1] + bb;
      for (let i = 0; i < oh; i++) {
        const row = i * s.stride[0] - s.padding[0] + a * s.dilation[0];
        for (let j = 0; j < ow; j++) {
          const col = j * s.stride[1] - s.padding[1] + bb * s.dilation[1];
          pos[(k * oh + i) * ow + j] = row * w + col;
        }
      }
    }
  }
  const table = tensor(pos, { backend: x.backendName, shape: [1, 1, kk, oh, ow] });
  const full = expand(table, [n, c, kk, oh, ow]);
  const idx = unsqueeze(m.indices, 2);
  const picked = gather(full, 2, idx);
  return { values: m.values, indices: reshape(picked, outShape) };
}

/** 2-d max pooling over [N, C, H, W] (or [C, H, W]); with returnIndices, also each max's position h * W + w. */
export function maxPool2d(x: Tensor, options: MaxPoolOptions & { returnIndices: true }): PoolWithIndices;
export function maxPool2d(x: Tensor, options: MaxPoolOptions | IntOrTuple): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSizeOrOptions: MaxPoolOptions | IntOrTuple,
): Tensor | PoolWithIndices {
  const options = poolOptions('maxPool2d', kernelSizeOrOptions, MAX_POOL_KEYS);
  const unbatched = checkSpatialInput('maxPool2d', x, 4, '[N, C, H, W]');
  return tidy(() => {
    const x4 = unbatched ? unsqueeze(x, 0) : x;
    const s = spec2d('maxPool2d', x4, options);
    const r = maxPool4d(x4, s, !!options.returnIndices);
    const batchOf = (t: Tensor): Tensor => (unbatched ? squeeze(t, 0) : t);
    const values = batchOf(r.values);
    if (!options.returnIndices) return values;
    return { values, indices: batchOf(r.indices!) };
  });
}

/** 1-d max pooling over [N, C, L] (or [C, L]); indices are positions along L. */
export function maxPool1d(x: Tensor, options: MaxPoolOptions & { returnIndices: true }): PoolWithIndices;
export function maxPool1d(x: Tensor, options: MaxPoolOptions | IntOrTuple): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSizeOrOptions: MaxPoolOptions | IntOrTuple,
): Tensor | PoolWithIndices {
  const options = poolOptions('maxPool1d', kernelSizeOrOptions, MAX_POOL_KEYS);
  const unbatched = checkSpatialInput('maxPool1d', x, 3, '[N, C, L]');
  if (!options || options.kernelSize === undefined)
    throw new ValueError('maxPool1d: options.kernelSize is required');
  const one = (name: string, v: IntOrTuple | undefined, dflt: number | undefined): number | undefined =>
    v === undefined || v === null ? dflt : tuple('maxPool1d', name, v, 1, 0)[0];
  const k = one('kernelSize', options.kernelSize, undefined)!;
  return tidy(() => {
    const x3 = unbatched ? unsqueeze(x, 0) : x;
    const x4 = unsqueeze(x3, 2);
    const s = spec2d('maxPool1d', x4, {
      kernelSize: [1, k],
      stride: [1, one('stride', options.stride, k)!],
      padding: [0, one('padding', options.padding, 0)!],
      dilation: [1, one('dilation', options.dilation, 1)!],
      ceilMode: options.ceilMode,
    });
    const r = maxPool4d(x4, s, !!options.returnIndices);
    // [N, C, 1, L'] -> [N, C, L'], then drop the batch dim of an unbatched input.
    const flat = (t: Tensor): Tensor => (unbatched ? squeeze(squeeze(t, 2), 0) : squeeze(t, 2));
    const values = flat(r.values);
    if (!options.returnIndices) return values;
    return { values, indices: flat(r.indices!) };
  });
}

/** The divisor of each output window (PyTorch's rule for countIncludePad and ceil-mode overhang). */
export function poolDivisors(
  h: number,
  w: number,
  s: Pool2dParams & { readonly out: readonly [number, number] },
  countIncludePad: boolean,
): Float64Array {
  const [oh, ow] = s.out;
  const out = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    let h0 = i * s.stride[0] - s.padding[0];
    let h1 = Math.min(h0 + s.kernel[0], h + s.padding[0]);
    const ph = h1 - h0;
    h0 = Math.max(h0, 0);
    h1 = Math.min(h1, h);
    for (let j = 0; j < ow; j++) {
      let w0 = j * s.stride[1] - s.padding[1];
      let w1 = Math.min(w0 + s.kernel[1], w + s.padding[1]);
      const pw = w1 - w0;
      w0 = Math.max(w0, 0);
      w1 = Math.min(w1, w);
      out[i * ow + j] = countIncludePad ? ph * pw : (h1 - h0) * (w1 - w0);
    }
  }
  return out;
}

/** 2-d average pooling over [N, C, H, W] (or [C, H, W]) with PyTorch's ceilMode and countIncludePad rules. */
export function avgPool2d(x: Tensor, kernelSizeOrOptions: AvgPoolOptions | IntOrTuple): Tensor {
  const options = poolOptions('avgPool2d', kernelSizeOrOptions, AVG_POOL_KEYS);
  const unbatched = checkSpatialInput('avgPool2d', x, 4, '[N, C, H, W]');
  return tidy(() => {
    const x4 = unbatched ? unsqueeze(x, 0) : x;
    const s = spec2d('avgPool2d', x4, { ...options, dilation: 1 });
    const countIncludePad = options.countIncludePad ?? true;
    const [n, c, h, w] = x4.shape;
    const outShape = [n, c, s.out[0], s.out[1]];
    let y: Tensor;
    if (fusedPool(x4, 'avg')) {
      const b = backendOf('avgPool2d', x4);
      const xc = contiguous(x4);
      y = fromStorage(b, b.fused!.avgPool2d!(xc, params(s), countIncludePad, outShape), x.dtype, outShape);
      recordOp('avgPool2d', [xc], [y], { params: params(s), countIncludePad });
    } else {
      const xp = padFor(x4, s, 0);
      const win = windows(xp, s.kernel, s.stride, s.dilation, s.out);
      const d = tensor(poolDivisors(h, w, s, countIncludePad), {
        dtype: x.dtype,
        backend: x.backendName,
        shape: s.out,
      });
      y = div(sum(win, { dim: 2 }), d);
    }
    return unbatched ? squeeze(y, 0) : y;
  });
}

/** The [out, in] matrix that averages PyTorch's adaptive windows [floor(i*in/out), ceil((i+1)*in/out)). */
function adaptiveMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}

/** Average pooling to a fixed output size over [N, C, H, W] (or [C, H, W]), PyTorch's window rule. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number, number]): Tensor {
  checkSpatialInput('adaptiveAvgPool2d', x, 4, '[N, C, H, W]');
  const [oh, ow] = tuple('adaptiveAvgPool2d', 'outputSize', outputSize, 2, 1);
  const h = x.shape[x.ndim - 2];
  const w = x.shape[x.ndim - 1];
  if (oh === 1 && ow === 1) return mean(x, { dim: [-2, -1], keepdim: true });
  if (h % oh === 0 && w % ow === 0) {
    return avgPool2d(x, { kernelSize: [h / oh, w / ow] });
  }
  // Windows overlap or differ in size: separable averaging, rows then columns.
  const opts = { dtype: x.dtype, backend: x.backendName };
  return tidy(() => {
    const ah = tensor(adaptiveMatrix(h, oh), { ...opts, shape: [oh, h] });
    const awT = tensor(adaptiveMatrix(w, ow), { ...opts, shape: [ow, w] });
    return matmul(matmul(ah, x), awT.transpose(0, 1));
  });
}
