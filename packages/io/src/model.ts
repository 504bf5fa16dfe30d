import { checkOptions, optionKeys, PlatformError, type Tensor } from '@nn/tensor';
import { writeFileAtomic } from './atomic-write.js';
import { deleteStored, getModel, listStored, putModel } from './browser/indexeddb.js';
import { SourceError } from './errors.js';
import { checkLoadOptions, type LoadOptions } from './make-tensor.js';
import { readSafetensors } from './safetensors/read.js';
import { type WriteSafetensorsOptions, writeSafetensors } from './safetensors/write.js';
import { type Source, sourceBytes } from './source.js';

/**
 * A saved model is one safetensors file: the module's state dict, with the caller's config (any
 * JSON value: what it takes to rebuild the architecture) as JSON in the metadata under this key.
 * PyTorch reads the same file (it ignores the metadata).
 */
export const CONFIG_KEY = 'nn.config';

const INDEXEDDB = 'indexeddb://';
const DOWNLOADS = 'downloads://';

/** Anything with a state dict: every `@nn/layers` Module. */
export interface HasStateDict {
  stateDict(): Record<string, Tensor>;
}

/** Options of `saveModel`. */
export interface SaveModelOptions {
  /** What it takes to rebuild the model (layer sizes, ...), stored as JSON beside the weights. */
  config?: unknown;
  /** More metadata strings for the file (`format: 'pt'` is always there). */
  metadata?: Record<string, string>;
  /** Stored types (see `writeSafetensors`), e.g. `{ float32: 'F16' }` for half the size. */
  dtypes?: WriteSafetensorsOptions['dtypes'];
}

/** A loaded model: its config (null when none was saved), tensors by name and the file's metadata. */
export interface LoadedModel {
  config: unknown;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Saves a model (weights + config) as one safetensors file to:
 * - `'indexeddb://<name>'`: the browser's IndexedDB (survives reloads);
 * - `'downloads://<file>'`: a download the browser offers the user (`.safetensors` added when the
 *   name has no extension);
 * - a file path (Node), written atomically.
 * Returns the number of bytes written.
 *
 * @example
 * await saveModel(model, 'indexeddb://mnist-cnn', { config: { hidden: 64 } });
 */
export async function saveModel(
  model: HasStateDict,
  target: string,
  options: SaveModelOptions = {},
): Promise<number> {
  checkOptions('saveModel', options, optionKeys<SaveModelOptions>({ config: 1, metadata: 1, dtypes: 1 }));
  if (typeof target !== 'string')
    throw new SourceError(
      `saveModel: the target must be 'indexeddb://name', 'downloads://file' or a path, got ${typeof target}`,
    );
  if (/^https?:\/\//i.test(target))
    throw new SourceError(
      `saveModel: cannot save to '${target}' (saving over HTTP is up to your server; use writeSafetensors and send the bytes)`,
    );
  const metadata: Record<string, string> = { format: 'pt', ...options.metadata };
  if (options.config !== undefined) {
    const json = JSON.stringify(options.config);
    if (json === undefined) throw new SourceError('saveModel: config must be a JSON value');
    metadata[CONFIG_KEY] = json;
  }
  const sd = model.stateDict();
  let bytes: Uint8Array;
  try {
    bytes = await writeSafetensors(sd, metadata, { dtypes: options.dtypes });
  } finally {
    for (const t of new Set(Object.values(sd))) t.dispose();
  }
  if (target.startsWith(INDEXEDDB)) await putModel('saveModel', nameOf(target, INDEXEDDB), bytes);
  else if (target.startsWith(DOWNLOADS)) download(nameOf(target, DOWNLOADS), bytes);
  else await writeFileAtomic(target, bytes);
  return bytes.length;
}

/**
 * Loads what `saveModel` saved (or any safetensors file) from `'indexeddb://<name>'`, an
 * http(s) URL, a Blob/File (an `<input type="file">`), bytes or a path (Node). Rebuild the
 * architecture from `config`, then `model.loadStateDict(tensors)`.
 *
 * @example
 * const { config, tensors } = await loadModel('indexeddb://mnist-cnn');
 */
export async function loadModel(source: Source, options: LoadOptions = {}): Promise<LoadedModel> {
  checkLoadOptions('loadModel', options);
  const bytes =
    typeof source === 'string' && source.startsWith(INDEXEDDB)
      ? await getModel('loadModel', nameOf(source, INDEXEDDB))
      : await sourceBytes('loadModel', source);
  const { tensors, metadata } = readSafetensors(bytes, options);
  const meta = metadata ?? {};
  let config: unknown = null;
  if (meta[CONFIG_KEY] !== undefined) {
    try {
      config = JSON.parse(meta[CONFIG_KEY]);
    } catch {
      for (const t of tensors.values()) t.dispose();
      throw new SourceError(`loadModel: the file's '${CONFIG_KEY}' metadata is not JSON`);
    }
  }
  return { config, tensors, metadata: meta };
}

/** The names of the models saved in IndexedDB (`indexeddb://<name>`). */
export function listModels(): Promise<string[]> {
  return listStored('listModels');
}

/** Removes a model saved in IndexedDB. */
export async function deleteModel(target: string): Promise<void> {
  if (typeof target !== 'string' || !target.startsWith(INDEXEDDB))
    throw new SourceError(`deleteModel: expected 'indexeddb://name', got '${String(target)}'`);
  await deleteStored('deleteModel', nameOf(target, INDEXEDDB));
}

function nameOf(target: string, scheme: string): string {
  const name = target.slice(scheme.length);
  if (!name) throw new SourceError(`'${target}' names no model: write ${scheme}<name>`);
  return name;
}

/** Offers `bytes` to the user as a file download (browsers only). */
function download(name: string, bytes: Uint8Array): void {
  if (typeof document === 'undefined' || typeof URL.createObjectURL !== 'function')
    throw new PlatformError(`saveModel: '${DOWNLOADS}' needs a browser page; in Node give a file path`);
  const file = /\.[^./]+$/.test(name) ? name : `${name}.safetensors`;
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The browser has taken the data once the download started; free the URL a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
