import type { Tensor } from '@nn/tensor';
import { decodeElements, dtypeFor } from '../elements.js';
import { SafetensorsError } from '../errors.js';
import { checkLoadOptions, disposeAll, type LoadOptions, makeTensor } from '../make-tensor.js';
import { headerLength, parseHeader, type SafetensorsEntry } from './header.js';

/** What `readSafetensors` gives: the tensors by name (file order) and the `__metadata__` strings. */
export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string> | null;
}

/**
 * Reads a safetensors file from its bytes. Every rule of the format is checked before a tensor is
 * made (each broken rule is a `SafetensorsError` whose `code` names it). F32, F64, I32 and BOOL
 * are read as they are; F16 and BF16 are widened to float32 exactly; I64, I16, I8, U8, U16, U32
 * and U64 become int32, and a value outside int32 is a DTypeError naming the tensor. The tensors
 * are kept (outside `tidy`): dispose them when done.
 *
 * @example
 * const { tensors, metadata } = readSafetensors(bytes);
 * tensors.get('fc.weight')!.shape; // [16, 128]
 */
export function readSafetensors(bytes: Uint8Array, options: LoadOptions = {}): SafetensorsContents {
  checkLoadOptions('readSafetensors', options);
  if (!(bytes instanceof Uint8Array))
    throw new SafetensorsError(
      'bad-input',
      `readSafetensors: expected the file's bytes as a Uint8Array, got ${describe(bytes)}`,
    );
  const n = headerLength(bytes, bytes.length);
  const header = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n);
  const made = new Map<string, Tensor>();
  try {
    for (const e of header.entries) {
      const data = bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end);
      made.set(e.name, entryTensor(e, data, options));
    }
  } catch (err) {
    disposeAll(made.values());
    throw err;
  }
  return { tensors: made, metadata: header.metadata };
}

/** One entry's tensor from its bytes. */
export function entryTensor(e: SafetensorsEntry, data: Uint8Array, options: LoadOptions): Tensor {
  const values = decodeElements('readSafetensors', e.name, e.dtype, data);
  return makeTensor('readSafetensors', e.name, values, dtypeFor(e.dtype), e.shape, options);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}
