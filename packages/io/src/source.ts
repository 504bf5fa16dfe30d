import { NNError } from '@nn/tensor';
import { openFile } from '#platform/read-file';
import { SourceError } from './errors.js';
import type { RandomAccessFile } from './random-access.js';

/**
 * Where a model file comes from: a file path (Node), an `http(s)` URL (a `URL` or a string
 * starting with `http://`/`https://`, fetched), a `Blob`/`File`, or the bytes themselves.
 */
export type Source = string | URL | Blob | ArrayBuffer | ArrayBufferView;

/** A source resolved either to bytes in memory or to a file to read piece by piece. */
export type Opened = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'file'; file: RandomAccessFile };

const HTTP = /^https?:\/\//i;

/** Resolves a source; a path opens the file (not read yet), everything else becomes bytes. */
export async function openSource(op: string, source: Source): Promise<Opened> {
  const local =
    (typeof source === 'string' && !HTTP.test(source)) ||
    (source instanceof URL && source.protocol === 'file:');
  if (local) return { kind: 'file', file: await openLocal(op, source) };
  return { kind: 'bytes', bytes: await sourceBytes(op, source) };
}

async function openLocal(op: string, path: string | URL): Promise<RandomAccessFile> {
  try {
    return await openFile(op, path);
  } catch (e) {
    if (e instanceof NNError) throw e;
    throw new SourceError(`${op}: cannot read '${String(path)}': ${(e as Error).message}`, { cause: e });
  }
}

/** All the bytes of a source. */
export async function sourceBytes(op: string, source: Source): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== 'undefined' && source instanceof Blob)
    return new Uint8Array(await source.arrayBuffer());
  if (typeof source === 'string' || source instanceof URL) {
    const local = typeof source === 'string' ? !HTTP.test(source) : source.protocol === 'file:';
    if (!local) return fetchBytes(op, typeof source === 'string' ? source : source.href);
    const file = await openLocal(op, source);
    try {
      return await file.read(0, file.size);
    } finally {
      await file.close();
    }
  }
  throw new SourceError(
    `${op}: expected a path, a URL, a Blob/File or bytes (Uint8Array/ArrayBuffer), got ${source === null ? 'null' : typeof source}`,
  );
}

async function fetchBytes(op: string, url: string): Promise<Uint8Array> {
  const protocol = new URL(url).protocol;
  if (!['http:', 'https:', 'blob:', 'data:'].includes(protocol))
    throw new SourceError(`${op}: cannot fetch '${url}': only http(s), blob:, data: and file: URLs are read`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new SourceError(`${op}: fetching '${url}' failed: ${(e as Error).message}`, { cause: e });
  }
  if (!response.ok)
    throw new SourceError(`${op}: fetching '${url}' gave HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}
