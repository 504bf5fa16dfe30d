import type { DType, TensorView } from '@nn/tensor';
import { sizeOf } from '@nn/tensor';
import type { Heap, WasmStorage } from './heap.js';

export type HostArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Bytes one element takes in wasm memory. */
export function elementBytes(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/** The heap view whose elements have `dtype`. */
export function arrayOf(heap: Heap, dtype: DType): HostArray {
  switch (dtype) {
    case 'float32':
      return heap.f32;
    case 'float64':
      return heap.f64;
    case 'int32':
      return heap.i32;
    case 'bool':
      return heap.u8;
  }
}

/** Index (in elements of the view's dtype) of the element at the view's offset. */
export function baseIndex(x: TensorView): number {
  return (x.storage as WasmStorage).ptr / elementBytes(x.dtype) + x.offset;
}

/**
 * x as the JavaScript reference kernels of @nn/backend-cpu read it: the heap array of its dtype,
 * from its first element. Valid until the heap next grows (allocate the output after the kernel).
 */
export function hostView(heap: Heap, x: TensorView): TensorView {
  return {
    storage: arrayOf(heap, x.dtype),
    dtype: x.dtype,
    shape: x.shape,
    strides: x.strides,
    offset: baseIndex(x),
  };
}

/** Byte address of the view's first element. */
export function basePtr(x: TensorView): number {
  return (x.storage as WasmStorage).ptr + x.offset * elementBytes(x.dtype);
}

export function isContiguousView(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Strides of `x` read as `target` (right-aligned NumPy broadcasting; 0 on broadcast dims). */
export function stridesFor(x: TensorView, target: readonly number[]): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - x.shape.length;
  for (let i = 0; i < x.shape.length; i++) out[lead + i] = x.shape[i] === 1 ? 0 : x.strides[i];
  return out;
}

/** Element offsets, in row-major order over `shape`, of a view with `strides`. */
export function offsets(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const r = shape.length;
  if (n === 0 || r === 0) return out;
  const inner = shape[r - 1];
  const is = strides[r - 1];
  const idx = new Array<number>(r).fill(0);
  let base = 0;
  let k = 0;
  for (;;) {
    for (let j = 0; j < inner; j++) out[k++] = base + j * is;
    let d = r - 2;
    while (d >= 0) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
      d--;
    }
    if (d < 0) return out;
  }
}

/** Offsets of a view read as `shape` (broadcast), or null when it is contiguous with that shape. */
export function offsetsOrNull(x: TensorView, shape: readonly number[]): Int32Array | null {
  if (
    x.shape.length === shape.length &&
    sizeOf(x.shape) === sizeOf(shape) &&
    isContiguousView(x.shape, x.strides)
  ) {
    let same = true;
    for (let i = 0; i < shape.length; i++) if (x.shape[i] !== shape[i]) same = false;
    if (same) return null;
  }
  return offsets(shape, stridesFor(x, shape));
}
