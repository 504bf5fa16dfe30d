import type { DType } from '../dtype.js';
import { isDType, promoteTypes } from '../dtype.js';
import { getBackend, recordAlias, recordOp } from '../engine.js';
import { BackendError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { tidy, tidyIf } from '../memory.js';
import { contiguousStrides, inferShape, isContiguous, normalizeDim, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkDimKind, checkDimsKind, optionalDim, readArgs, requiredDim } from './dim-args.js';
import { cast } from './elementwise.js';
import { assertTensor, backendOf, fromStorage } from './util.js';

/** `{ dim }`: the options form of ops that take one dim. */
export interface DimOption {
  dim?: number;
}

/** Accepts `f(2, 3)` and `f([2, 3])`. */
export function shapeArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0])
    ? [...(args[0] as readonly number[])]
    : (args as number[]);
}

/** Whether a view with this layout reads x's elements in x's own order and shape. */
function isIdentity(
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): boolean {
  return (
    offset === x.offset &&
    shapesEqual(shape, x.shape) &&
    shape.every((n, i) => n === 1 || strides[i] === x.strides[i])
  );
}

/**
 * A view of x (sharing storage), recorded for autograd by `record` — unless it is x itself in
 * another tensor object (`expand` or `reshape` to x's shape), which takes x's place in the graph
 * with no node of its own.
 */
function viewOf(
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  record: (y: Tensor) => void,
): Tensor {
  const y = Tensor._view(x._ref, shape, strides, offset);
  if (isIdentity(x, shape, strides, offset)) recordAlias(x, y);
  else record(y);
  return y;
}

/** Records y as a view of x with x's elements in the same order. */
const asReshape =
  (x: Tensor) =>
  (y: Tensor): void =>
    recordOp('reshape', [x], [y]);

/** A contiguous copy of x, or x itself when already contiguous (unless `force`). */
export function contiguous(x: Tensor, force = false): Tensor {
  assertTensor('contiguous', 'input', x);
  if (!force && x.isContiguous) return x;
  const b = backendOf('contiguous', x);
  const y = fromStorage(b, b.cast(x, x.dtype), x.dtype, x.shape);
  recordOp('clone', [x], [y]);
  return y;
}

/** Strides that view (shape, strides) as `newShape` without copying, or null (PyTorch's rule). */
function viewStrides(
  shape: readonly number[],
  strides: readonly number[],
  newShape: readonly number[],
): number[] | null {
  if (sizeOf(shape) === 0 || isContiguous(shape, strides)) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/** A view when the strides allow, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('reshape', 'input', x);
  const target = inferShape('reshape', shape, x.size, x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides) return viewOf(x, target, strides, x.offset, asReshape(x));
  // Not viewable: a view of a contiguous copy, which the scope frees (the view keeps its storage).
  return tidy(() => {
    const c = contiguous(x, true);
    return viewOf(c, target, contiguousStrides(target), c.offset, asReshape(c));
  });
}

/** Always a view; fails where the strides do not allow one (use reshape there). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('view', 'input', x);
  const target = inferShape('view', shape, x.size, x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  if (!strides) {
    throw new ShapeError(
      `view: shape ${fmtShape(target)} is not compatible with the strides of input ${fmtShape(x.shape)}; use reshape() instead`,
    );
  }
  return viewOf(x, target, strides, x.offset, asReshape(x));
}

/** Reorders the dims (a view): `permute(x, [0, 2, 1])`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor('permute', 'input', x);
  if (dims.length !== x.ndim) {
    throw new ShapeError(
      `permute: expected ${x.ndim} dims for input ${fmtShape(x.shape)}, got ${fmtShape(dims)}`,
    );
  }
  const d = dims.map((v) => normalizeDim('permute', v, x.ndim));
  if (new Set(d).size !== d.length)
    throw new ValueError(`permute: dims ${fmtShape(dims)} repeat a dimension`);
  return viewOf(
    x,
    d.map((i) => x.shape[i]),
    d.map((i) => x.strides[i]),
    x.offset,
    (y) => recordOp('permute', [x], [y], { dims: d }),
  );
}

/** Swaps two dims (a view). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  assertTensor('transpose', 'input', x);
  if (x.ndim === 0) return permute(x, []);
  const a = normalizeDim('transpose', dim0, x.ndim);
  const b = normalizeDim('transpose', dim1, x.ndim);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** The transpose of a matrix (rank <= 2). */
export function t(x: Tensor): Tensor {
  assertTensor('t', 'input', x);
  if (x.ndim > 2)
    throw new ShapeError(
      `t: expects a tensor of rank <= 2, got ${fmtShape(x.shape)}; use transpose(dim0, dim1)`,
    );
  return x.ndim < 2
    ? permute(
        x,
        x.shape.map((_, i) => i),
      )
    : transpose(x, 0, 1);
}

/** Removes size-1 dims: all of them, or those of `dim` (`squeeze(x, 1)`, `squeeze(x, [0, 2])`, `squeeze(x, { dim: 1 })`). */
export function squeeze(
  x: Tensor,
  dim?: number | readonly number[] | { dim?: number | readonly number[] },
): Tensor {
  assertTensor('squeeze', 'input', x);
  dim = checkDimsKind('squeeze', 'dim', readArgs('squeeze', dim, [], ['dim']).dim);
  let drop: number[];
  if (dim === undefined) drop = x.shape.flatMap((s, i) => (s === 1 ? [i] : []));
  else {
    const list = typeof dim === 'number' ? [dim] : dim;
    drop = list.map((d) => normalizeDim('squeeze', d, x.ndim)).filter((d) => x.shape[d] === 1);
  }
  const shape = x.shape.filter((_, i) => !drop.includes(i));
  const strides = x.strides.filter((_, i) => !drop.includes(i));
  return viewOf(x, shape, strides, x.offset, asReshape(x));
}

/** Inserts a size-1 dim at `dim`: `unsqueeze(x, 0)` or `unsqueeze(x, { dim: 0 })`. */
export function unsqueeze(x: Tensor, dim: number | DimOption): Tensor {
  assertTensor('unsqueeze', 'input', x);
  const d = normalizeDim('unsqueeze', requiredDim('unsqueeze', dim), x.ndim + 1);
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return viewOf(x, shape, strides, x.offset, asReshape(x));
}

/** Broadcasts size-1 dims (and adds leading dims) without copying; -1 keeps a size. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('expand', 'input', x);
  if (shape.length < x.ndim) {
    throw new ShapeError(
      `expand: the target ${fmtShape(shape)} has fewer dims than the input ${fmtShape(x.shape)}`,
    );
  }
  const lead = shape.length - x.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i];
    if (i < lead) {
      if (want < 0)
        throw new ShapeError(`expand: -1 is not allowed for a new leading dim in ${fmtShape(shape)}`);
      outShape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[i - lead];
    if (want === -1 || want === have) {
      outShape.push(have);
      strides.push(x.strides[i - lead]);
    } else if (have === 1 && Number.isInteger(want) && want >= 0) {
      outShape.push(want);
      strides.push(0);
    } else {
      throw new ShapeError(
        `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: size ${have} is not 1 and differs from ${want})`,
      );
    }
  }
  return viewOf(x, outShape, strides, x.offset, (y) => recordOp('expand', [x], [y]));
}

/** The options form of `flatten`. */
export interface FlattenOptions {
  startDim?: number;
  endDim?: number;
}

/** Merges dims startDim..endDim (all by default): `flatten(x, 1)`, `flatten(x, 1, 2)`, `flatten(x, { startDim: 1 })`. */
export function flatten(x: Tensor, startDim?: number | FlattenOptions, endDim?: number): Tensor {
  assertTensor('flatten', 'input', x);
  const a = readArgs('flatten', startDim, [endDim], ['startDim', 'endDim']);
  const start = a.startDim === undefined ? 0 : checkDimKind('flatten', 'startDim', a.startDim);
  const end = a.endDim === undefined ? -1 : checkDimKind('flatten', 'endDim', a.endDim);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', start, x.ndim);
  const e = normalizeDim('flatten', end, x.ndim);
  if (s > e) throw new ValueError(`flatten: startDim ${start} comes after endDim ${end}`);
  const mid = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

/** Splits dim `dim` into `sizes` (one may be -1); a view when the strides allow. */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  assertTensor('unflatten', 'input', x);
  const d = normalizeDim('unflatten', dim, x.ndim);
  const inner = inferShape('unflatten', sizes, x.shape[d], [x.shape[d]]);
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/** Joins tensors along an existing dim: `cat([a, b], 1)` or `cat([a, b], { dim: 1 })`. */
export function cat(tensors: readonly Tensor[], dimOrOptions: number | DimOption = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0)
    throw new ValueError('cat: expected a non-empty list of tensors');
  const dim = optionalDim('cat', dimOrOptions, 0);
  tensors.forEach((t, i) => {
    assertTensor('cat', `tensors[${i}]`, t);
  });
  const b = backendOf('cat', ...tensors);
  const ref = tensors.find((t) => !(t.ndim === 1 && t.size === 0)) ?? tensors[0];
  if (ref.ndim === 0) {
    throw new ShapeError(
      `cat: zero-dimensional tensors cannot be concatenated (got ${tensors.map((p) => fmtShape(p.shape)).join(' and ')}); use stack`,
    );
  }
  const d = normalizeDim('cat', dim, ref.ndim);
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.size === 0 && ref.ndim !== 1));
  for (const t of parts) {
    const ok = t.ndim === ref.ndim && t.shape.every((s, i) => i === d || s === ref.shape[i]);
    if (!ok) {
      throw new ShapeError(
        `cat: sizes must match except in dim ${d}; got ${parts.map((p) => fmtShape(p.shape)).join(' and ')}`,
      );
    }
  }
  const dtype = parts.map((t) => t.dtype).reduce(promoteTypes);
  const outShape = [...ref.shape];
  outShape[d] = parts.reduce((acc, t) => acc + t.shape[d], 0);
  return tidyIf(
    parts.some((t) => t.dtype !== dtype),
    () => {
      const cast_ = parts.map((t) => cast(t, dtype));
      const y = fromStorage(b, b.concat(cast_, d, outShape), dtype, outShape);
      recordOp('cat', cast_, [y], { dim: d, sizes: cast_.map((t) => t.shape[d]) });
      return y;
    },
  );
}

/** Joins tensors of one shape along a new dim: `stack([a, b], 1)` or `stack([a, b], { dim: 1 })`. */
export function stack(tensors: readonly Tensor[], dimOrOptions: number | DimOption = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0)
    throw new ValueError('stack: expected a non-empty list of tensors');
  const dim = optionalDim('stack', dimOrOptions, 0);
  tensors.forEach((t, i) => {
    assertTensor('stack', `tensors[${i}]`, t);
  });
  const first = tensors[0];
  for (const t of tensors) {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(
        `stack: expects tensors of one shape, got ${tensors.map((p) => fmtShape(p.shape)).join(' and ')}`,
      );
    }
  }
  const d = normalizeDim('stack', dim, first.ndim + 1);
  return tidy(() =>
    cat(
      tensors.map((t) => unsqueeze(t, d)),
      d,
    ),
  );
}

/** Views of consecutive pieces along `dim` (0, or `split(x, 2, 1)` / `split(x, 2, { dim: 1 })`): equal pieces of `sizes` or the listed sizes. */
export function split(
  x: Tensor,
  sizes: number | readonly number[],
  dimOrOptions: number | DimOption = 0,
): Tensor[] {
  assertTensor('split', 'input', x);
  const d = normalizeDim('split', optionalDim('split', dimOrOptions, 0), x.ndim);
  const len = x.shape[d];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0)
      throw new ValueError(`split: size must be a positive integer, got ${sizes}`);
    list = [];
    for (let s = 0; s < len; s += sizes) list.push(Math.min(sizes, len - s));
    if (list.length === 0) list.push(0);
  } else {
    list = [...sizes];
    const total = list.reduce((a, b) => a + b, 0);
    if (total !== len || list.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ShapeError(
        `split: sizes ${fmtShape(list)} must sum to ${len} (dim ${d} of ${fmtShape(x.shape)})`,
      );
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of list) {
    out.push(narrowView(x, d, start, s));
    start += s;
  }
  return out;
}

/** `chunks` pieces of (nearly) equal size along `dim`, as PyTorch splits them. */
export function chunk(x: Tensor, chunks: number, dimOrOptions: number | DimOption = 0): Tensor[] {
  assertTensor('chunk', 'input', x);
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', optionalDim('chunk', dimOrOptions, 0), x.ndim);
  const size = Math.ceil(x.shape[d] / chunks) || 1;
  return split(x, size, d);
}

/** The strided view x[..., start:start+length, ...] along one dim. */
export function narrowView(x: Tensor, dim: number, start: number, length: number): Tensor {
  const shape = [...x.shape];
  shape[dim] = length;
  const logical = contiguousStrides(x.shape);
  return sliceView(x, {
    shape,
    strides: x.strides,
    offset: x.offset + start * x.strides[dim],
    logicalStrides: logical,
    logicalOffset: start * logical[dim],
  });
}

/** A slice of x: the view itself, and the same view expressed over a contiguous x (for the gradient). */
export interface SliceSpec {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  logicalStrides: readonly number[];
  logicalOffset: number;
}

/** A strided view of x, recorded as 'slice' so its gradient scatters back into x's shape. */
export function sliceView(x: Tensor, spec: SliceSpec): Tensor {
  return viewOf(x, spec.shape, spec.strides, spec.offset, (y) =>
    recordOp('slice', [x], [y], { logicalStrides: spec.logicalStrides, logicalOffset: spec.logicalOffset }),
  );
}

/** Converts dtype, or copies to another backend (needs a synchronous read on the source). */
export function to(x: Tensor, target: DType | string): Tensor {
  assertTensor('to', 'input', x);
  if (isDType(target)) return cast(x, target);
  const dst = getBackend(target);
  if (dst === x.backend) return x;
  const src = x.backend;
  if (!src.readSync) {
    throw new BackendError(
      `to: the '${src.name}' backend cannot read synchronously; use await t.toAsync('${target}')`,
    );
  }
  const read = src.readSync.bind(src);
  // A strided x is read through a contiguous copy, which the scope frees.
  const y = tidyIf(!x.isContiguous, () => {
    const c = contiguous(x);
    return fromStorage(dst, dst.upload(read(c.storage, c.dtype, c.size), x.dtype), x.dtype, x.shape);
  });
  recordOp('toBackend', [x], [y], { from: src.name });
  return y;
}

/** Copies a tensor to another registered backend, reading it asynchronously (works from webgpu too). */
export async function toAsync(x: Tensor, target: string): Promise<Tensor> {
  assertTensor('toAsync', 'input', x);
  const dst = getBackend(target);
  if (dst === x.backend) return x;
  const values = await x.data();
  const y = fromStorage(dst, dst.upload(values, x.dtype), x.dtype, x.shape);
  recordOp('toBackend', [x], [y], { from: x.backendName });
  return y;
}
