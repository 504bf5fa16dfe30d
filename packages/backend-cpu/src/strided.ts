import { BackendError, bytesPerElement, type DType, makeTypedArray, type TypedArray } from '@nn/tensor';
import { machineMemory } from '#platform/machine-memory';

/**
 * Bytes held by every cpu backend's tensors (counted by the backends as they hand out and free
 * storage) and the most they may hold: the machine's memory. An allocation past it is refused
 * before a byte is touched, instead of swapping the machine to a halt (`#platform/machine-memory`:
 * Node's `os.totalmem()`; unbounded in browsers, which refuse a too-large typed array themselves).
 */
export const budget = { inUse: 0, limit: machineMemory() };

function outOfMemory(dtype: DType, size: number, why: string): BackendError {
  const bytes = size * bytesPerElement(dtype);
  return new BackendError(
    `cpu: out of memory: a tensor of ${size} ${dtype} values (${bytes} bytes) ${why}; dispose tensors you no longer need`,
  );
}

/** A typed array of `size` elements for `dtype` (bool is stored as 0/1 bytes). */
export function alloc(dtype: DType, size: number): TypedArray {
  const bytes = size * bytesPerElement(dtype);
  if (budget.inUse + bytes > budget.limit) {
    throw outOfMemory(
      dtype,
      size,
      `does not fit: ${budget.inUse} bytes are in use of this machine's ${budget.limit}`,
    );
  }
  try {
    return makeTypedArray(dtype, size);
  } catch (e) {
    if (e instanceof RangeError) throw outOfMemory(dtype, size, `cannot be allocated here (${e.message})`);
    throw e;
  }
}

export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Strides that read a view of `shape` as the broadcast `target` (leading and size-1 dims get 0). */
export function stridesFor(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

export function contiguousStridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A loop nest over `shape` shared by several operands, with mergeable dims merged. */
export interface Nest {
  /** Sizes of the outer dims (all but the innermost), possibly empty. */
  readonly outer: number[];
  /** Per operand, strides of the outer dims. */
  readonly outerStrides: number[][];
  /** Length of the innermost run. */
  readonly inner: number;
  /** Per operand, stride of the innermost run. */
  readonly innerStrides: number[];
}

/**
 * Drops size-1 dims and merges dim i into i+1 wherever every operand steps through both as one
 * run, so a contiguous (or uniformly broadcast) operand becomes a single long inner loop.
 */
export function makeNest(shape: readonly number[], strides: readonly (readonly number[])[]): Nest {
  const k = strides.length;
  const dims: number[] = [];
  const ss: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let j = 0; j < k; j++) {
        if (ss[j][last] !== strides[j][d] * shape[d]) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      dims[last] *= shape[d];
      for (let j = 0; j < k; j++) ss[j][last] = strides[j][d];
    } else {
      dims.push(shape[d]);
      for (let j = 0; j < k; j++) ss[j].push(strides[j][d]);
    }
  }
  if (dims.length === 0)
    return { outer: [], outerStrides: ss.map(() => []), inner: 1, innerStrides: ss.map(() => 0) };
  const n = dims.length - 1;
  return {
    outer: dims.slice(0, n),
    outerStrides: ss.map((s) => s.slice(0, n)),
    inner: dims[n],
    innerStrides: ss.map((s) => s[n]),
  };
}

/** Number of inner runs of a nest. */
export function rowsOf(nest: Nest): number {
  let r = 1;
  for (const d of nest.outer) r *= d;
  return r;
}

/**
 * Odometer over the outer dims of a nest: `offsets[j]` is operand j's offset at the start of the
 * current run; `next()` moves to the next run.
 */
export class Rows {
  readonly offsets: number[];
  readonly #outer: number[];
  readonly #strides: number[][];
  readonly #idx: Int32Array;

  constructor(nest: Nest, starts: readonly number[]) {
    this.offsets = [...starts];
    this.#outer = nest.outer;
    this.#strides = nest.outerStrides;
    this.#idx = new Int32Array(nest.outer.length);
  }

  next(): void {
    const idx = this.#idx;
    const outer = this.#outer;
    const st = this.#strides;
    const off = this.offsets;
    for (let d = outer.length - 1; d >= 0; d--) {
      idx[d]++;
      if (idx[d] < outer[d]) {
        for (let j = 0; j < off.length; j++) off[j] += st[j][d];
        return;
      }
      idx[d] = 0;
      for (let j = 0; j < off.length; j++) off[j] -= st[j][d] * (outer[d] - 1);
    }
  }
}

/** Storage offsets of every element of a view, in row-major order. */
export function offsetsOf(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): Int32Array | Float64Array {
  const size = sizeOfShape(shape);
  const out =
    size > 0 && offset + maxReach(shape, strides) < 2147483647
      ? new Int32Array(size)
      : new Float64Array(size);
  if (size === 0) return out;
  const nest = makeNest(shape, [strides]);
  const rows = new Rows(nest, [offset]);
  const n = nest.inner;
  const s = nest.innerStrides[0];
  const count = rowsOf(nest);
  let o = 0;
  for (let r = 0; r < count; r++) {
    let p = rows.offsets[0];
    for (let i = 0; i < n; i++, p += s) out[o++] = p;
    rows.next();
  }
  return out;
}

function maxReach(shape: readonly number[], strides: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < shape.length; i++) m += Math.abs(strides[i]) * Math.max(0, shape[i] - 1);
  return m;
}

/** Copies a strided view of `src` into `dst` (read through its own strides) element by element. */
export function copyStrided(
  dst: TypedArray,
  dstStrides: readonly number[],
  dstOffset: number,
  src: TypedArray,
  srcStrides: readonly number[],
  srcOffset: number,
  shape: readonly number[],
  toBool: boolean,
): void {
  if (sizeOfShape(shape) === 0) return;
  const nest = makeNest(shape, [dstStrides, srcStrides]);
  const rows = new Rows(nest, [dstOffset, srcOffset]);
  const count = rowsOf(nest);
  const n = nest.inner;
  const sd = nest.innerStrides[0];
  const ss = nest.innerStrides[1];
  for (let r = 0; r < count; r++) {
    const o = rows.offsets[0];
    const i = rows.offsets[1];
    if (toBool) copyRowBool(dst, o, sd, src, i, ss, n);
    else if (sd === 1 && ss === 1 && (src.constructor === dst.constructor || !(dst instanceof Uint8Array))) {
      dst.set(src.subarray(i, i + n), o);
    } else copyRow(dst, o, sd, src, i, ss, n);
    rows.next();
  }
}

function copyRow(
  dst: TypedArray,
  o: number,
  sd: number,
  src: TypedArray,
  i: number,
  ss: number,
  n: number,
): void {
  for (let j = 0; j < n; j++, o += sd, i += ss) dst[o] = src[i];
}

function copyRowBool(
  dst: TypedArray,
  o: number,
  sd: number,
  src: TypedArray,
  i: number,
  ss: number,
  n: number,
): void {
  for (let j = 0; j < n; j++, o += sd, i += ss) dst[o] = src[i] !== 0 ? 1 : 0;
}
