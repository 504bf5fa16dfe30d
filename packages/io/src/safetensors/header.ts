import { ELEMENT_SIZE, type ElementType, isElementType } from '../elements.js';
import { SafetensorsError } from '../errors.js';
import { topLevelKeys } from '../json-keys.js';

/** One tensor's entry in a safetensors header. Offsets are relative to the byte buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: ElementType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Entries in header order. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string> | null;
  /** File offset of the byte buffer: 8 + header length. */
  dataStart: number;
}

/** The reference reader's cap: a longer header is refused before anything is allocated. */
export const MAX_HEADER_LENGTH = 100_000_000;

/** Dtypes the format knows that nn has no arithmetic for (refused by name, not as unknown). */
const KNOWN_UNSUPPORTED = new Set([
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'C64',
]);

const OP = 'readSafetensors';

/** The header length from the first 8 bytes, checked against the file size. */
export function headerLength(first: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || first.length < 8) {
    throw new SafetensorsError(
      'file-too-short',
      `${OP}: the file has ${fileSize} bytes, fewer than the 8-byte header length that starts every safetensors file`,
    );
  }
  const dv = new DataView(first.buffer, first.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_LENGTH) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    throw new SafetensorsError(
      'header-too-large',
      `${OP}: the header length field says ${n} bytes, above the format's limit of ${MAX_HEADER_LENGTH}`,
    );
  }
  if (8 + lo > fileSize) {
    throw new SafetensorsError(
      'header-past-end',
      `${OP}: the header length field says ${lo} bytes, but the file has only ${fileSize - 8} after it`,
    );
  }
  return lo;
}

const fail = (code: ConstructorParameters<typeof SafetensorsError>[0], message: string) =>
  new SafetensorsError(code, `${OP}: ${message}`);

/** Parses and checks the JSON header against a byte buffer of `bufferLength` bytes. */
export function parseHeader(json: Uint8Array, bufferLength: number): SafetensorsHeader {
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    throw fail('header-not-json', 'the header is not valid UTF-8');
  }
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw fail('header-not-json', `the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    throw fail('header-not-object', `the header must be a JSON object, got ${kind}`);
  }
  const obj = parsed as Record<string, unknown>;
  const keys = topLevelKeys(text);
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw fail('duplicate-key', `the header names '${k}' twice`);
    seen.add(k);
  }
  const metadata = checkMetadata(obj.__metadata__);
  const entries: SafetensorsEntry[] = [];
  for (const name of keys) {
    if (name === '__metadata__') continue;
    entries.push(checkEntry(name, obj[name]));
  }
  checkTiling(entries, bufferLength);
  return { entries, metadata, dataStart: 8 + json.length };
}

function checkMetadata(m: unknown): Record<string, string> | null {
  if (m === undefined || m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m))
    throw fail('bad-metadata', `__metadata__ must be an object of strings, got ${JSON.stringify(m)}`);
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string')
      throw fail('bad-metadata', `__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(m as Record<string, string>) };
}

function checkEntry(name: string, e: unknown): SafetensorsEntry {
  if (e === null || typeof e !== 'object' || Array.isArray(e))
    throw fail(
      'bad-entry',
      `'${name}' must be an object {dtype, shape, data_offsets}, got ${JSON.stringify(e)}`,
    );
  const { dtype, shape, data_offsets: offsets } = e as Record<string, unknown>;
  if (!isElementType(dtype)) {
    if (typeof dtype === 'string' && KNOWN_UNSUPPORTED.has(dtype))
      throw fail('unsupported-dtype', `'${name}' has dtype ${dtype}, which nn cannot read`);
    throw fail(
      'unknown-dtype',
      `'${name}' has dtype ${JSON.stringify(dtype)}, which safetensors does not define (expected one of ${Object.keys(ELEMENT_SIZE).join(', ')})`,
    );
  }
  const natural = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(natural))
    throw fail(
      'bad-shape',
      `'${name}' has shape ${JSON.stringify(shape)}; a shape is a list of integers >= 0`,
    );
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(natural))
    throw fail(
      'bad-offsets',
      `'${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], integers >= 0`,
    );
  const [begin, end] = offsets as [number, number];
  if (begin > end)
    throw fail('offsets-reversed', `'${name}' has data_offsets [${begin}, ${end}]: begin is after end`);
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const want = numel * ELEMENT_SIZE[dtype];
  if (end - begin !== want)
    throw fail(
      'size-mismatch',
      `'${name}' is ${dtype} of shape [${shape.join(',')}] (${want} bytes) but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  return { name, dtype, shape: [...(shape as number[])], begin, end };
}

/** Sorted by (begin, end), the tensors must tile the byte buffer from 0 to its end exactly. */
function checkTiling(entries: readonly SafetensorsEntry[], bufferLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin > cursor)
      throw fail(
        'offsets-gap',
        `'${e.name}' starts at byte ${e.begin} of the buffer, leaving a gap after byte ${cursor}`,
      );
    if (e.begin < cursor)
      throw fail(
        'offsets-overlap',
        `'${e.name}' (data_offsets [${e.begin}, ${e.end}]) overlaps the tensor before it, which ends at byte ${cursor}`,
      );
    cursor = e.end;
  }
  if (cursor > bufferLength)
    throw fail(
      'buffer-truncated',
      `the tensors need ${cursor} bytes of data but the file has ${bufferLength} after the header (truncated?)`,
    );
  if (cursor < bufferLength)
    throw fail(
      'buffer-not-covered',
      `the tensors cover ${cursor} bytes but the file has ${bufferLength} after the header (${bufferLength - cursor} bytes belong to no tensor)`,
    );
}
