import type { Backend } from '../backend.js';
import { recordOp } from '../engine.js';
import { fmtShape, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { checkOptions, optionKeys } from '../options.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { narrow } from './indexing.js';
import { type ValuesIndices, valuesIndices } from './reduce.js';
import { contiguous } from './shape.js';
import { assertTensor, backendOf, fromStorage } from './util.js';

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** The dim to sort along (default -1, the last). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Accepted for PyTorch's signature: the sort is always stable. */
  stable?: boolean;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The dim to pick along (default -1, the last). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch's signature: the k values always come sorted. */
  sorted?: boolean;
}

const SORT_KEYS = optionKeys<SortOptions>({ dim: 1, descending: 1, stable: 1 });
const TOPK_KEYS = optionKeys<TopkOptions>({ dim: 1, largest: 1, sorted: 1 });

function options<T extends { dim?: number }>(op: string, v: number | T | undefined): T {
  if (v === undefined) return {} as T;
  if (typeof v === 'number') return { dim: v } as T;
  if (typeof v !== 'object' || v === null)
    throw new ValueError(`${op}: expected a dim or an options object, got ${String(v)}`);
  return checkOptions(op, v, op === 'topk' ? TOPK_KEYS : SORT_KEYS);
}

function flag(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ValueError(`${op}: ${name} must be true or false, got ${String(v)}`);
  return v;
}

/** The backend's stable argsort along d (int32, x's shape); a 0-d tensor sorts to [0]. */
function order(b: Backend, x: Tensor, d: number, descending: boolean): Tensor {
  if (x.ndim === 0) return fromStorage(b, b.fill(1, 'int32', 0), 'int32', []);
  return fromStorage(b, b.argsort(x, d, descending), 'int32', x.shape);
}

/** x picked along d by positions the backend made (always in range), recorded as gather. */
function pick(b: Backend, x: Tensor, d: number, index: Tensor): Tensor {
  if (x.ndim === 0) return contiguous(x, true);
  const y = fromStorage(b, b.gather(x, d, index), x.dtype, index.shape);
  recordOp('gather', [x, index], [y], { dim: d });
  return y;
}

/** The positions (int32) that sort x along `dim`, stable; NaN sorts as the largest value. */
export function argsort(x: Tensor, dimOrOptions?: number | SortOptions): Tensor {
  assertTensor('argsort', 'input', x);
  const o = options('argsort', dimOrOptions);
  const d = normalizeDim('argsort', o.dim ?? -1, x.ndim);
  const descending = flag('argsort', 'descending', o.descending, false);
  flag('argsort', 'stable', o.stable, true);
  return order(backendOf('argsort', x), x, d, descending);
}

/** x sorted along `dim` (stable) as `{ values, indices }`; the gradient flows through values. */
export function sort(x: Tensor, dimOrOptions?: number | SortOptions): ValuesIndices {
  assertTensor('sort', 'input', x);
  const o = options('sort', dimOrOptions);
  const d = normalizeDim('sort', o.dim ?? -1, x.ndim);
  const descending = flag('sort', 'descending', o.descending, false);
  flag('sort', 'stable', o.stable, true);
  const b = backendOf('sort', x);
  const indices = order(b, x, d, descending);
  return valuesIndices(pick(b, x, d, indices), indices);
}

/** The k largest (or smallest) entries along `dim`, sorted, as `{ values, indices }`. */
export function topk(x: Tensor, k: number, dimOrOptions?: number | TopkOptions): ValuesIndices {
  assertTensor('topk', 'input', x);
  const o = options('topk', dimOrOptions);
  const d = normalizeDim('topk', o.dim ?? -1, x.ndim);
  const largest = flag('topk', 'largest', o.largest, true);
  flag('topk', 'sorted', o.sorted, true);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > size) {
    throw new ValueError(
      `topk: k must be an integer in 0..${size} (the size of dim ${d} of ${fmtShape(x.shape)}), got ${k}`,
    );
  }
  const b = backendOf('topk', x);
  if (x.ndim === 0) {
    const all = order(b, x, d, largest);
    return valuesIndices(pick(b, x, d, all), all);
  }
  const r = tidy(() => {
    const indices = contiguous(narrow(order(b, x, d, largest), d, 0, k), true);
    return { values: pick(b, x, d, indices), indices };
  });
  return valuesIndices(r.values, r.indices);
}
