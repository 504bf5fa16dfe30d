import { type DType, DTypeError, type TypedArray } from '@nn/tensor';
import { bfloatToFloatBits, floatBitsToBfloat, floatBitsToHalf, halfToFloatBits } from './half.js';

/**
 * Element types of stored tensors, by their safetensors names (PyTorch's storages map onto the
 * same list). nn computes in float32, float64, int32 and bool: every other type is widened or
 * narrowed on the way in, with a range check where values could be lost.
 */
export type ElementType =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U8'
  | 'U16'
  | 'U32'
  | 'U64'
  | 'BOOL';

export const ELEMENT_SIZE: Readonly<Record<ElementType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  U16: 2,
  U32: 4,
  U64: 8,
  BOOL: 1,
};

/** The nn dtype an element type is read as. */
export function dtypeFor(type: ElementType): DType {
  switch (type) {
    case 'F64':
      return 'float64';
    case 'F32':
    case 'F16':
    case 'BF16':
      return 'float32';
    case 'BOOL':
      return 'bool';
    default:
      return 'int32';
  }
}

export function isElementType(v: unknown): v is ElementType {
  return typeof v === 'string' && Object.hasOwn(ELEMENT_SIZE, v);
}

// Typed-array views reinterpret bytes in the machine's order; every format here is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndian(op: string): void {
  if (!LITTLE_ENDIAN)
    throw new DTypeError(`${op}: this machine is big-endian; nn reads little-endian tensor files only there`);
}

/** A typed array of `T` over `bytes`, without a copy when the bytes are aligned for it. */
function view<T>(
  bytes: Uint8Array,
  Ctor: { new (buffer: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
): T {
  const n = bytes.byteLength / Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, bytes.byteOffset, n);
  return new Ctor(bytes.slice().buffer, 0, n);
}

function int64Text(lo: number, hi: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo >>> 0)).toString();
}

function outOfRange(op: string, name: string, type: ElementType, index: number, value: string): DTypeError {
  return new DTypeError(
    `${op}: '${name}' is ${type} and holds ${value} at flat index ${index}, outside int32 [-2147483648, 2147483647] (nn keeps integers as int32)`,
  );
}

/**
 * The values of `bytes` (little-endian, `type`) as the typed array of their nn dtype. F32, F64
 * and I32 come back as views of `bytes` when aligned (the caller's upload is then the one copy);
 * other types are converted. Integers that do not fit int32 throw a DTypeError naming `name`.
 */
export function decodeElements(op: string, name: string, type: ElementType, bytes: Uint8Array): TypedArray {
  requireLittleEndian(op);
  switch (type) {
    case 'F32':
      return view(bytes, Float32Array);
    case 'F64':
      return view(bytes, Float64Array);
    case 'I32':
      return view(bytes, Int32Array);
    case 'F16':
    case 'BF16': {
      const src = view(bytes, Uint16Array);
      const out = new Float32Array(src.length);
      const bits = new Uint32Array(out.buffer);
      if (type === 'BF16') for (let i = 0; i < src.length; i++) bits[i] = bfloatToFloatBits(src[i]);
      else for (let i = 0; i < src.length; i++) bits[i] = halfToFloatBits(src[i]);
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
    case 'I16':
      return Int32Array.from(view(bytes, Int16Array));
    case 'I8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    case 'U8':
      return Int32Array.from(bytes);
    case 'U16':
      return Int32Array.from(view(bytes, Uint16Array));
    case 'U32': {
      const src = view(bytes, Uint32Array);
      for (let i = 0; i < src.length; i++)
        if (src[i] > 0x7fffffff) throw outOfRange(op, name, type, i, String(src[i]));
      return Int32Array.from(src, (v) => v | 0);
    }
    case 'I64':
    case 'U64': {
      const words = view(bytes, Int32Array);
      const out = new Int32Array(words.length / 2);
      for (let i = 0; i < out.length; i++) {
        const lo = words[2 * i];
        const hi = words[2 * i + 1];
        // Fits int32 when the high word is the sign extension of the low one (U64: both non-negative).
        const fits = type === 'I64' ? hi === lo >> 31 : hi === 0 && lo >= 0;
        if (!fits) {
          const text =
            type === 'I64' ? int64Text(lo, hi) : BigInt.asUintN(64, BigInt(int64Text(lo, hi))).toString();
          throw outOfRange(op, name, type, i, text);
        }
        out[i] = lo;
      }
      return out;
    }
  }
}

function floatBits(values: TypedArray): Uint32Array {
  return new Uint32Array(Float32Array.from(values).buffer);
}

const INT_RANGE: Partial<Record<ElementType, [number, number]>> = {
  I16: [-32768, 32767],
  I8: [-128, 127],
  U8: [0, 255],
  U16: [0, 65535],
  U32: [0, 0x7fffffff],
  U64: [0, 0x7fffffff],
};

/** Which element types an nn dtype may be written as. */
export const WRITABLE: Readonly<Record<DType, readonly ElementType[]>> = {
  float32: ['F32', 'F16', 'BF16', 'F64'],
  float64: ['F64', 'F32', 'F16', 'BF16'],
  int32: ['I32', 'I64', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64'],
  bool: ['BOOL', 'U8'],
};

/**
 * Writes `values` (an nn typed array) into `out` as little-endian `type` elements (`out` has
 * exactly the room). Narrowing integers are range checked (DTypeError naming `name`); narrowing
 * floats round to nearest even as PyTorch does.
 */
export function encodeElements(
  op: string,
  name: string,
  type: ElementType,
  values: TypedArray,
  out: Uint8Array,
): void {
  requireLittleEndian(op);
  const size = ELEMENT_SIZE[type];
  if (out.byteOffset % size !== 0) {
    // Typed views need aligned offsets: encode aside, then copy (never for files in writer order).
    const aside = new Uint8Array(out.length);
    encodeElements(op, name, type, values, aside);
    out.set(aside);
    return;
  }
  const n = values.length;
  const range = INT_RANGE[type];
  if (range) {
    for (let i = 0; i < n; i++) {
      if (values[i] < range[0] || values[i] > range[1])
        throw new DTypeError(
          `${op}: '${name}' holds ${values[i]} at flat index ${i}, outside the range of ${type} [${range[0]}, ${range[1]}]`,
        );
    }
  }
  const at = <T>(Ctor: { new (b: ArrayBufferLike, o: number, l: number): T }, len = n): T =>
    new Ctor(out.buffer, out.byteOffset, len);
  switch (type) {
    case 'F32':
      at(Float32Array).set(values);
      break;
    case 'F64':
      at(Float64Array).set(values);
      break;
    case 'I32':
    case 'U32':
      at(Int32Array).set(values);
      break;
    case 'F16':
    case 'BF16': {
      const dst = at(Uint16Array);
      // Bits, not numbers: a float32 NaN's payload would not survive a trip through a number.
      const bits =
        values instanceof Float32Array
          ? new Uint32Array(values.buffer, values.byteOffset, n)
          : floatBits(values);
      const narrow = type === 'F16' ? floatBitsToHalf : floatBitsToBfloat;
      for (let i = 0; i < n; i++) dst[i] = narrow(bits[i]);
      break;
    }
    case 'I16':
    case 'U16': {
      const dst = at(Uint16Array);
      for (let i = 0; i < n; i++) dst[i] = values[i] & 0xffff;
      break;
    }
    case 'I8':
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = values[i] & 0xff;
      break;
    case 'I64':
    case 'U64': {
      const words = at(Int32Array, 2 * n);
      for (let i = 0; i < n; i++) {
        words[2 * i] = values[i];
        words[2 * i + 1] = values[i] < 0 ? -1 : 0;
      }
      break;
    }
  }
}
