/** Element types a tensor can hold. `float64` is guaranteed on cpu only (gradcheck uses it). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/**
 * The typed arrays that hold tensor data on the host: Float32Array, Float64Array, Int32Array, Uint8Array (bool).
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed array a dtype reads back as on every backend. */
export type ArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** Every dtype nn knows, from the narrowest promotion rank up: float32, float64, int32, bool. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** True for float32 and float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Bytes one element takes in host memory. */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return 8;
    case 'bool':
      return 1;
    default:
      return 4;
  }
}

/** A zero-filled host array of `size` elements for `dtype`. */
export function makeTypedArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function typedArrayFrom(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = makeTypedArray(dtype, values.length);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else {
    out.set(values);
  }
  return out;
}

export function dtypeOfTypedArray(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch-style promotion of two tensor dtypes: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a tensor takes when combined with a JS number (a float scalar lifts integers to float32). */
export function promoteWithScalar(dtype: DType, scalar: number): DType {
  if (isFloat(dtype)) return dtype;
  if (!Number.isInteger(scalar)) return 'float32';
  return dtype === 'bool' ? 'int32' : dtype;
}
