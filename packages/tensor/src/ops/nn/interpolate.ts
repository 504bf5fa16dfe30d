import { isFloat } from '../../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { checkOptions, optionKeys } from '../../options.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { add, mul } from '../elementwise.js';
import { contiguous } from '../shape.js';
import { takeAlong } from '../take.js';
import { assertTensor } from '../util.js';

/** How `interpolate` and `Upsample` resample: nearest neighbour, or linear in 1, 2 or 3 spatial dims. */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'trilinear';

/** Options of `interpolate`: the output size or a scale factor, the mode and the corner rule. */
export interface InterpolateOptions {
  /** Output size of each spatial dim (one number for all). Give this or scaleFactor. */
  size?: number | readonly number[];
  /** Output size = floor(input size * scaleFactor) per spatial dim. Give this or size. */
  scaleFactor?: number | readonly number[];
  /** 'nearest' (default; PyTorch's legacy rule), 'linear' (3-D), 'bilinear' (4-D), 'trilinear' (5-D). */
  mode?: InterpolateMode;
  /** Linear modes: map corner pixel centres onto each other (default false). */
  alignCorners?: boolean | null;
}

const LINEAR_RANK: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5 };

function perDim(op: string, name: string, v: number | readonly number[], r: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(r).fill(v) : Array.isArray(v) ? [...v] : [];
  if (list.length !== r || list.some((k) => typeof k !== 'number' || !(k > 0) || !Number.isFinite(k))) {
    throw new ValueError(
      `${op}: ${name} must be a positive number or ${r} of them, got ${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** Legacy 'nearest' source index per output index, with ATen's float32 scale. */
function nearestSources(inSize: number, outSize: number, factor: number | null): Int32Array {
  const src = new Int32Array(outSize);
  const scale = Math.fround(factor !== null ? 1 / factor : inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    if (outSize === inSize) src[o] = o;
    else if (outSize === 2 * inSize) src[o] = o >> 1;
    else src[o] = Math.min(Math.floor(Math.fround(o * scale)), inSize - 1);
  }
  return src;
}

/** The two source indices and the weight of the second, per output index (ATen's linear rule). */
function linearSources(
  inSize: number,
  outSize: number,
  factor: number | null,
  alignCorners: boolean,
): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  let scale: number;
  if (alignCorners) scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  else scale = factor !== null ? 1 / factor : inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const s = alignCorners ? scale * o : Math.max(0, scale * (o + 0.5) - 0.5);
    const lo = Math.min(Math.floor(s), inSize - 1);
    i0[o] = lo;
    i1[o] = lo < inSize - 1 ? lo + 1 : lo;
    w1[o] = s - lo;
  }
  return { i0, i1, w1 };
}

const identity = (src: Int32Array, inSize: number): boolean =>
  src.length === inSize && src.every((s, o) => s === o);

/** (1 - w) * x[i0] + w * x[i1] along dim d, with w broadcast along the dims after d (inside interpolate's scope). */
function blend(x: Tensor, d: number, s: { i0: Int32Array; i1: Int32Array; w1: Float64Array }): Tensor {
  const shape = [s.w1.length, ...new Array<number>(x.ndim - d - 1).fill(1)];
  const on = { shape, dtype: x.dtype, backend: x.backendName };
  const w0 = tensor(
    s.w1.map((w) => 1 - w),
    on,
  );
  return add(mul(takeAlong(x, d, s.i0), w0), mul(takeAlong(x, d, s.i1), tensor(s.w1, on)));
}

/**
 * Resamples the spatial dims of [N, C, ...spatial] (PyTorch's F.interpolate): 'nearest' with the
 * legacy index rule, linear modes with or without alignCorners. With scaleFactor the source
 * coordinate uses 1 / scaleFactor (recompute_scale_factor off), as PyTorch does. Separable: one
 * gather (and for linear modes one blend) per spatial dim, differentiable through both.
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  assertTensor(op, 'input', x);
  checkOptions(
    op,
    options,
    optionKeys<InterpolateOptions>({ size: 1, scaleFactor: 1, mode: 1, alignCorners: 1 }),
  );
  const mode = options?.mode ?? 'nearest';
  if (mode !== 'nearest' && !(mode in LINEAR_RANK)) {
    throw new ValueError(
      `${op}: mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got '${String(mode)}'`,
    );
  }
  if (x.ndim < 3 || x.ndim > 5)
    throw new ShapeError(
      `${op}: expected a 3-D, 4-D or 5-D input [N, C, ...spatial], got ${fmtShape(x.shape)}`,
    );
  if (mode !== 'nearest' && x.ndim !== LINEAR_RANK[mode]) {
    throw new ShapeError(
      `${op}: mode '${mode}' needs a ${LINEAR_RANK[mode]}-D input [N, C, ...spatial], got ${fmtShape(x.shape)}`,
    );
  }
  const alignCorners = options.alignCorners ?? null;
  if (mode === 'nearest' && alignCorners !== null) {
    throw new ValueError(`${op}: alignCorners can only be set with the linear modes, not 'nearest'`);
  }
  if (mode !== 'nearest' && !isFloat(x.dtype))
    throw new DTypeError(`${op}: mode '${mode}' needs a floating point input, got ${x.dtype}`);
  const r = x.ndim - 2;
  const hasSize = options.size !== undefined && options.size !== null;
  const hasFactor = options.scaleFactor !== undefined && options.scaleFactor !== null;
  if (hasSize === hasFactor) throw new ValueError(`${op}: give exactly one of size and scaleFactor`);
  const factors = hasFactor ? perDim(op, 'scaleFactor', options.scaleFactor as number, r) : null;
  const sizes = hasSize
    ? perDim(op, 'size', options.size as number, r).map((s) => {
        if (!Number.isInteger(s))
          throw new ValueError(`${op}: size must hold integers, got ${JSON.stringify(options.size)}`);
        return s;
      })
    : x.shape.slice(2).map((s, i) => Math.floor(s * (factors as number[])[i]));
  sizes.forEach((s, i) => {
    if (s < 1) {
      throw new ShapeError(
        `${op}: output size ${s} of spatial dim ${i} is empty (input ${fmtShape(x.shape)}, scaleFactor ${factors?.[i]})`,
      );
    }
  });
  return tidy(() => {
    let y = x;
    for (let i = 0; i < r; i++) {
      const d = 2 + i;
      const inSize = x.shape[d];
      const factor = factors ? factors[i] : null;
      if (mode === 'nearest') {
        const src = nearestSources(inSize, sizes[i], factor);
        if (!identity(src, inSize)) y = takeAlong(y, d, src);
      } else {
        const s = linearSources(inSize, sizes[i], factor, alignCorners ?? false);
        if (!(identity(s.i0, inSize) && s.w1.every((w) => w === 0))) y = blend(y, d, s);
      }
    }
    return y === x ? contiguous(x, true) : y;
  });
}
