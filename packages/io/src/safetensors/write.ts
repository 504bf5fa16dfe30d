import { checkOptions, type DType, isTensor, type Tensor } from '@nn/tensor';
import { ELEMENT_SIZE, type ElementType, encodeElements, WRITABLE } from '../elements.js';
import { SafetensorsError } from '../errors.js';
import { describe } from './read.js';

/** Tensors by name, as a Map or as a plain object (what `module.stateDict()` gives). */
export type NamedTensors = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/** Options of `writeSafetensors`. */
export interface WriteSafetensorsOptions {
  /**
   * The stored type of each nn dtype (default float32 → F32, float64 → F64, int32 → I32,
   * bool → BOOL). `{ int32: 'I64' }` stores integers as PyTorch keeps them (`num_batches_tracked`);
   * `{ float32: 'F16' }` or `'BF16'` halves the file (rounded to nearest even, as PyTorch). A
   * function chooses per tensor (`undefined` keeps the default).
   */
  dtypes?: Partial<Record<DType, ElementType>> | ((name: string, tensor: Tensor) => ElementType | undefined);
}

const DEFAULT_TYPE: Record<DType, ElementType> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

// The reference writer's order: larger elements first (every tensor stays aligned), then by name.
const ORDER: readonly ElementType[] = [
  'U64',
  'I64',
  'F64',
  'F32',
  'U32',
  'I32',
  'BF16',
  'F16',
  'U16',
  'I16',
  'I8',
  'U8',
  'BOOL',
];

const OP = 'writeSafetensors';

/**
 * A safetensors file of `tensors` (and `metadata`, string → string), byte for byte what the
 * reference writer (`safetensors.torch.save_file`) makes for the same tensors: header JSON
 * without spaces, `__metadata__` first, padded with spaces to a multiple of 8, tensors ordered by
 * element size then name. Tensors are read with `await t.data()`, so every backend works.
 *
 * @example
 * const bytes = await writeSafetensors(model.stateDict(), { format: 'pt' });
 */
export async function writeSafetensors(
  tensors: NamedTensors,
  metadata?: Readonly<Record<string, string>> | null,
  options: WriteSafetensorsOptions = {},
): Promise<Uint8Array> {
  checkOptions('writeSafetensors', options, ['dtypes']);
  const items = collect(tensors, options);
  checkMetadata(metadata);
  items.sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type) || compareCodePoints(a.name, b.name));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const it of items) {
    const begin = offset;
    offset += it.tensor.size * ELEMENT_SIZE[it.type];
    header[it.name] = { dtype: it.type, shape: [...it.tensor.shape], data_offsets: [begin, offset] };
  }
  // JSON.stringify would move integer-like names ('0', '1') ahead of the rest; write in our order.
  const parts = Object.keys(header).length === 0 ? [] : headerParts(header, items);
  const text = `{${parts.join(',')}}`;
  const json = new TextEncoder().encode(text);
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const it of items) {
    const values = await it.tensor.data();
    const size = it.tensor.size * ELEMENT_SIZE[it.type];
    encodeElements(OP, it.name, it.type, values, out.subarray(at, at + size));
    at += size;
  }
  return out;
}

interface Item {
  name: string;
  tensor: Tensor;
  type: ElementType;
}

function headerParts(header: Record<string, unknown>, items: readonly Item[]): string[] {
  const parts: string[] = [];
  if (header.__metadata__) parts.push(`"__metadata__":${JSON.stringify(header.__metadata__)}`);
  for (const it of items) parts.push(`${JSON.stringify(it.name)}:${JSON.stringify(header[it.name])}`);
  return parts;
}

function collect(tensors: NamedTensors, options: WriteSafetensorsOptions): Item[] {
  if (tensors === null || typeof tensors !== 'object')
    throw new SafetensorsError(
      'bad-input',
      `${OP}: expected tensors by name (a Map or an object), got ${describe(tensors)}`,
    );
  const entries: [string, unknown][] =
    tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, unknown>);
  const pick = options.dtypes;
  const byDtype = { ...DEFAULT_TYPE, ...(typeof pick === 'function' ? {} : pick) };
  const items: Item[] = [];
  for (const [name, t] of entries) {
    if (typeof name !== 'string' || name === '' || name === '__metadata__')
      throw new SafetensorsError('bad-input', `${OP}: '${String(name)}' cannot name a tensor`);
    if (!isTensor(t))
      throw new SafetensorsError('bad-input', `${OP}: '${name}' must be a Tensor, got ${describe(t)}`);
    if (t.isDisposed) throw new SafetensorsError('bad-input', `${OP}: '${name}' was disposed`);
    const type = (typeof pick === 'function' ? pick(name, t) : undefined) ?? byDtype[t.dtype];
    if (!WRITABLE[t.dtype].includes(type))
      throw new SafetensorsError(
        'bad-input',
        `${OP}: '${name}' is ${t.dtype}, which cannot be stored as ${String(type)} (choose one of ${WRITABLE[t.dtype].join(', ')})`,
      );
    items.push({ name, tensor: t, type });
  }
  return items;
}

function checkMetadata(metadata: Readonly<Record<string, string>> | null | undefined): void {
  if (metadata === undefined || metadata === null) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw new SafetensorsError(
      'bad-metadata',
      `${OP}: metadata must be an object of strings, got ${describe(metadata)}`,
    );
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string')
      throw new SafetensorsError('bad-metadata', `${OP}: metadata '${k}' must be a string, got ${typeof v}`);
  }
}

/** Orders strings by code point, which is the byte order of their UTF-8 (the reference's order). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
