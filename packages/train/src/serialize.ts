import {
  checkOptions,
  type DType,
  isTensor,
  makeTypedArray,
  type Tensor,
  type TypedArray,
  tensor,
  ValueError,
} from '@nn/tensor';
import * as platform from '#platform/files';

/** A model file (or part of one) that cannot be read: bad JSON, wrong format, missing or misshapen data. */
export class ModelFileError extends ValueError {
  override name = 'ModelFileError';
}

/** One tensor in JSON: dtype, shape and the little-endian bytes in base64. */
export interface SerializedTensor {
  dtype: DType;
  shape: number[];
  data: string;
}

const BYTES: Record<string, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function toBase64(bytes: Uint8Array): string {
  const B = (globalThis as { Buffer?: { from(b: Uint8Array): { toString(enc: string): string } } }).Buffer;
  if (B) return B.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(text, 'base64'));
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Saving weights that hold NaN or ±Infinity, without `allowNonFinite: true`. */
export class NonFiniteWeightsError extends ValueError {
  override name = 'NonFiniteWeightsError';
  constructor(
    op: string,
    /** The state-dict key of the tensor. */
    readonly tensorName: string,
    shape: readonly number[],
    value: number,
    index: number,
  ) {
    super(
      `${op}: tensor '${tensorName}' [${shape.join(',')}] holds ${value} at flat index ${index}; refusing to save weights with NaN or infinite values (pass { allowNonFinite: true } to do it anyway)`,
    );
  }
}

/** Options of the functions that write or read weights. */
export interface WeightsFileOptions {
  /** Write (or read) weights holding NaN or ±Infinity instead of refusing them (default false). */
  allowNonFinite?: boolean;
}

/** The keys of `WeightsFileOptions`, for the unknown-option check. */
export const WEIGHTS_FILE_KEYS = ['allowNonFinite'] as const;

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Reads a tensor's values into JSON-ready form (async: the device may need to finish first). */
export async function serializeTensor(t: Tensor): Promise<SerializedTensor> {
  return encode(t, await t.data());
}

function encode(t: Tensor, values: TypedArray): SerializedTensor {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return { dtype: t.dtype, shape: [...t.shape], data: toBase64(bytes) };
}

/**
 * Rebuilds a tensor from `serializeTensor` output, checking every field. The size is checked
 * against the bytes before anything is allocated.
 */
export function deserializeTensor(
  s: unknown,
  where: string,
  backend?: string,
  options: WeightsFileOptions = {},
): Tensor {
  checkOptions('deserializeTensor', options, WEIGHTS_FILE_KEYS);
  const o = s as Partial<SerializedTensor> | null;
  if (!o || typeof o !== 'object') throw new ModelFileError(`${where}: expected { dtype, shape, data }`);
  if (typeof o.dtype !== 'string' || !(o.dtype in BYTES))
    throw new ModelFileError(`${where}: unknown dtype '${String(o.dtype)}'`);
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelFileError(`${where}: shape must be a list of non-negative integers`);
  }
  if (typeof o.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.data))
    throw new ModelFileError(`${where}: data must be base64 text`);
  const n = o.shape.reduce((a, b) => a * b, 1);
  const bytes = fromBase64(o.data);
  if (bytes.length !== n * BYTES[o.dtype]) {
    throw new ModelFileError(
      `${where}: shape [${o.shape.join(',')}] needs ${n * BYTES[o.dtype]} bytes of ${o.dtype}, the file has ${bytes.length}`,
    );
  }
  const values = makeTypedArray(o.dtype, n);
  new Uint8Array(values.buffer).set(bytes);
  if ((o.dtype === 'float32' || o.dtype === 'float64') && !options.allowNonFinite) {
    const bad = firstNonFinite(values);
    if (bad >= 0)
      throw new ModelFileError(
        `${where}: holds ${values[bad]} at flat index ${bad}; pass { allowNonFinite: true } to load NaN or infinite weights`,
      );
  }
  return tensor(values, { shape: o.shape, dtype: o.dtype, backend });
}

/**
 * A state dict (name → tensor) as JSON-ready data. Float tensors holding NaN or ±Infinity are
 * refused with a `NonFiniteWeightsError` naming the tensor, unless `allowNonFinite` is set.
 */
export async function serializeStateDict(
  sd: Record<string, Tensor>,
  options: WeightsFileOptions = {},
): Promise<Record<string, SerializedTensor>> {
  checkOptions('serializeStateDict', options, WEIGHTS_FILE_KEYS);
  return encodeStateDict(sd, 'serializeStateDict', options.allowNonFinite === true);
}

/** `serializeStateDict` for the callers that name themselves in its errors (`op`). */
export async function encodeStateDict(
  sd: Record<string, Tensor>,
  op: string,
  allowNonFinite: boolean,
): Promise<Record<string, SerializedTensor>> {
  const out: Record<string, SerializedTensor> = {};
  for (const [k, t] of Object.entries(sd)) {
    if (!isTensor(t)) throw new ValueError(`${op}: '${k}' is not a tensor`);
    const values = await t.data();
    if (!allowNonFinite && (t.dtype === 'float32' || t.dtype === 'float64')) {
      const bad = firstNonFinite(values);
      if (bad >= 0) throw new NonFiniteWeightsError(op, k, t.shape, values[bad], bad);
    }
    out[k] = encode(t, values);
  }
  return out;
}

export function deserializeStateDict(
  data: unknown,
  where: string,
  backend?: string,
  options: WeightsFileOptions = {},
): Record<string, Tensor> {
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new ModelFileError(`${where}: expected an object of tensors by name`);
  const out: Record<string, Tensor> = {};
  try {
    for (const [k, v] of Object.entries(data))
      out[k] = deserializeTensor(v, `${where}.${k}`, backend, { allowNonFinite: options.allowNonFinite });
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
  return out;
}

/** A module whose weights can be saved: any `@nn/layers` Module. */
export interface StatefulModel {
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>): unknown;
}

const WEIGHTS_FORMAT = 'nn-state-dict';

/**
 * Writes a module's state dict to a JSON file (Node). Use with `ModelCheckpoint`. The file is
 * replaced atomically (`writeFileAtomic` from `@nn/io`): a crash leaves the old file or the new
 * one. Weights holding NaN or ±Infinity are refused (`NonFiniteWeightsError`) unless
 * `allowNonFinite` is set.
 */
export async function saveWeights(
  model: StatefulModel,
  path: string,
  options: WeightsFileOptions = {},
): Promise<void> {
  checkOptions('saveWeights', options, WEIGHTS_FILE_KEYS);
  const sd = model.stateDict();
  try {
    const tensors = await encodeStateDict(sd, 'saveWeights', options.allowNonFinite === true);
    await writeText(path, JSON.stringify({ format: WEIGHTS_FORMAT, version: 1, tensors }));
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
}

/** Loads weights saved by `saveWeights` into a module of the same architecture. */
export async function loadWeights(
  model: StatefulModel,
  path: string,
  options: WeightsFileOptions = {},
): Promise<void> {
  checkOptions('loadWeights', options, WEIGHTS_FILE_KEYS);
  const file = parseJson(await readText(path), path);
  if (file.format !== WEIGHTS_FORMAT)
    throw new ModelFileError(`${path}: not an nn weights file (format '${String(file.format)}')`);
  const sd = deserializeStateDict(file.tensors, `${path}: tensors`, undefined, options);
  try {
    model.loadStateDict(sd);
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
}

export function parseJson(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new ModelFileError(`${where}: expected a JSON object`);
  return v as Record<string, unknown>;
}

// Node reads and writes the file (writes atomically, through @nn/io's writeFileAtomic); a
// browser build gets a PlatformError that names the JSON way (the `node` export condition picks
// ./node/files.ts, every other platform ./web/files.ts).
export function writeText(path: string, text: string): Promise<void> {
  return platform.writeText(path, text);
}

export function readText(path: string): Promise<string> {
  return platform.readText(path);
}
