import type { TensorView } from '../backend.js';
import { recordOp } from '../engine.js';
import { DTypeError, fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { contiguousStrides, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { narrowView, reshape, sliceView } from './shape.js';
import { assertTensor, backendOf, fromStorage } from './util.js';

/** One item of `index(...)`: select, slice (`'1:3'`, `'::2'`, `':'`, `{start, stop, step}`), `'...'`, or `null` (new axis). */
export type IndexItem =
  | number
  | null
  | string
  | { start?: number | null; stop?: number | null; step?: number | null };

interface SliceItem {
  start: number | null;
  stop: number | null;
  step: number | null;
}

function parseSlice(s: string): SliceItem {
  const parts = s.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new ValueError(`index: cannot read slice '${s}' (expected start:stop[:step])`);
  const num = (p: string | undefined): number | null => {
    if (p === undefined || p.trim() === '') return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new ValueError(`index: '${p}' in slice '${s}' is not an integer`);
    return v;
  };
  return { start: num(parts[0]), stop: num(parts[1]), step: num(parts[2]) };
}

/** NumPy/PyTorch basic indexing as a view. */
export function index(x: Tensor, items: readonly IndexItem[]): Tensor {
  assertTensor('index', 'input', x);
  const norm: (number | null | '...' | SliceItem)[] = items.map((it) => {
    if (it === null || typeof it === 'number' || it === '...') return it;
    if (typeof it === 'string') {
      if (it.trim() !== '' && /^-?\d+$/.test(it.trim())) return Number(it);
      return parseSlice(it);
    }
    if (typeof it === 'object')
      return { start: it.start ?? null, stop: it.stop ?? null, step: it.step ?? null };
    throw new ValueError(`index: unsupported index item ${String(it)}`);
  });
  const ellipses = norm.filter((i) => i === '...').length;
  if (ellipses > 1) throw new IndexError('index: an index can only have a single ellipsis (...)');
  const consuming = norm.filter((i) => i !== null && i !== '...').length;
  if (consuming > x.ndim) {
    throw new IndexError(
      `index: too many indices for a tensor of rank ${x.ndim} (got ${consuming}) for shape ${fmtShape(x.shape)}`,
    );
  }
  const expanded: (number | null | SliceItem)[] = [];
  for (const it of norm) {
    if (it === '...')
      for (let k = 0; k < x.ndim - consuming; k++) expanded.push({ start: null, stop: null, step: null });
    else expanded.push(it);
  }
  while (expanded.filter((i) => i !== null).length < x.ndim)
    expanded.push({ start: null, stop: null, step: null });

  const logical = contiguousStrides(x.shape);
  const shape: number[] = [];
  const strides: number[] = [];
  const lstrides: number[] = [];
  let offset = x.offset;
  let loffset = 0;
  let d = 0;
  for (const it of expanded) {
    if (it === null) {
      shape.push(1);
      strides.push(0);
      lstrides.push(0);
      continue;
    }
    const size = x.shape[d];
    if (typeof it === 'number') {
      if (!Number.isInteger(it) || it < -size || it >= size) {
        throw new IndexError(
          `index: index ${it} is out of bounds for dim ${d} with size ${size} (shape ${fmtShape(x.shape)})`,
        );
      }
      const i = it < 0 ? it + size : it;
      offset += i * x.strides[d];
      loffset += i * logical[d];
    } else {
      const step = it.step ?? 1;
      if (!Number.isInteger(step) || step <= 0)
        throw new ValueError(`index: slice step must be a positive integer, got ${step}`);
      const clampIdx = (v: number | null, dflt: number): number => {
        if (v === null) return dflt;
        const w = v < 0 ? v + size : v;
        return Math.min(Math.max(w, 0), size);
      };
      const start = clampIdx(it.start, 0);
      const stop = clampIdx(it.stop, size);
      const len = Math.max(0, Math.ceil((stop - start) / step));
      shape.push(len);
      strides.push(x.strides[d] * step);
      lstrides.push(logical[d] * step);
      offset += start * x.strides[d];
      loffset += start * logical[d];
    }
    d++;
  }
  return sliceView(x, { shape, strides, offset, logicalStrides: lstrides, logicalOffset: loffset });
}

/** x narrowed to [start, start+length) along dim (a view). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  assertTensor('narrow', 'input', x);
  if (x.ndim === 0) throw new IndexError('narrow: cannot be applied to a 0-dim tensor (as in PyTorch)');
  const d = normalizeDim('narrow', dim, x.ndim);
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new IndexError(`narrow: start ${start} and length ${length} do not fit dim ${d} of size ${size}`);
  }
  return narrowView(x, d, s, length);
}

/** The slice at index i along dim, with that dim removed (a view). */
export function select(x: Tensor, dim: number, i: number): Tensor {
  assertTensor('select', 'input', x);
  const d = normalizeDim('select', dim, x.ndim);
  const items: IndexItem[] = x.shape.map(() => ':');
  items[d] = i;
  return index(x, items);
}

function checkIndexTensor(op: string, index: Tensor): void {
  if (index.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: index must be an int32 tensor, got ${index.dtype} of shape ${fmtShape(index.shape)}`,
    );
  }
}

/** Checks index values against a bound where the backend can read them synchronously. */
function checkIndexValues(op: string, index: Tensor, bound: number, dim: number): void {
  if (!index.backend.readSync || index.size === 0) return;
  const v = index.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= bound) {
      throw new IndexError(`${op}: index ${v[i]} is out of bounds for dim ${dim} with size ${bound}`);
    }
  }
}

/** Rows (or columns...) of x picked by a 1-D int32 index along dim. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor('indexSelect', 'input', x);
  assertTensor('indexSelect', 'index', index);
  checkIndexTensor('indexSelect', index);
  if (index.ndim > 1)
    throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const b = backendOf('indexSelect', x, index);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  checkIndexValues('indexSelect', index, x.ndim === 0 ? 1 : x.shape[d], d);
  if (x.ndim === 0) {
    const y = fromStorage(b, b.cast(x, x.dtype), x.dtype, []);
    recordOp('clone', [x], [y]);
    return y;
  }
  const outShape = [...x.shape];
  outShape[d] = index.size;
  const view: TensorView = {
    storage: index.storage,
    dtype: 'int32',
    shape: outShape,
    strides: outShape.map((_, i) => (i === d ? (index.ndim === 0 ? 0 : index.strides[0]) : 0)),
    offset: index.offset,
  };
  const y = fromStorage(b, b.gather(x, d, view), x.dtype, outShape);
  recordOp('indexSelect', [x, index], [y], { dim: d });
  return y;
}

/** torch.gather: picks along dim by an int32 index of the same rank; the result has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor('gather', 'input', x);
  assertTensor('gather', 'index', index);
  checkIndexTensor('gather', index);
  const b = backendOf('gather', x, index);
  const d = normalizeDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim) {
    throw new ShapeError(
      `gather: index ${fmtShape(index.shape)} must have the rank of input ${fmtShape(x.shape)}`,
    );
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw new ShapeError(
        `gather: index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dim ${i} (only dim ${d} may differ)`,
      );
    }
  }
  checkIndexValues('gather', index, x.shape[d] ?? 1, d);
  const y = fromStorage(b, b.gather(x, d, index), x.dtype, index.shape);
  recordOp('gather', [x, index], [y], { dim: d });
  return y;
}

/**
 * zeros(shape) with src added at index along dim: the adjoint of gather, recorded so it is
 * differentiable in src. Unchecked: for callers that made the index themselves (gradient rules).
 */
export function scatterAddZeros(shape: readonly number[], dim: number, index: Tensor, src: Tensor): Tensor {
  const b = backendOf('scatterAdd', src, index);
  const d = normalizeDim('scatterAdd', dim, shape.length);
  const y = fromStorage(b, b.scatterAdd(shape, d, index, src), src.dtype, shape);
  recordOp('scatterAdd', [index, src], [y], { shape: [...shape], dim: d });
  return y;
}

/**
 * PyTorch's `scatter_add`: a copy of input with src[i][j][k] added at out[index[i][j][k]][j][k]
 * (for dim 0, and so on). index is int32 with the rank of input and src, no larger than src in any
 * dim and no larger than input except along dim; differentiable in input and src.
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const op = 'scatterAdd';
  assertTensor(op, 'input', input);
  assertTensor(op, 'index', index);
  assertTensor(op, 'src', src);
  checkIndexTensor(op, index);
  backendOf(op, input, index, src);
  if (src.dtype !== input.dtype) {
    throw new DTypeError(`${op}: src is ${src.dtype} but input is ${input.dtype}; they must match`);
  }
  if (index.ndim !== input.ndim || src.ndim !== input.ndim) {
    throw new ShapeError(
      `${op}: index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have the rank of input ${fmtShape(input.shape)}`,
    );
  }
  const d = normalizeDim(op, dim, Math.max(input.ndim, 1));
  for (let i = 0; i < index.ndim; i++) {
    if (index.shape[i] > src.shape[i] || (i !== d && index.shape[i] > input.shape[i])) {
      throw new ShapeError(
        `${op}: index ${fmtShape(index.shape)} must be no larger than src ${fmtShape(src.shape)} in every dim and than input ${fmtShape(input.shape)} in every dim but ${d}`,
      );
    }
  }
  checkIndexValues(op, index, input.ndim === 0 ? 1 : input.shape[d], d);
  return tidy(() => add(input, scatterAddZeros(input.shape, d, index, src)));
}

export { reshape };
