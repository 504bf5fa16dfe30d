import { PlatformError } from '@nn/tensor';
import { SourceError } from '../errors.js';

// Models saved in the browser live in one IndexedDB database, one record per name.
const DB = 'nn-models';
const STORE = 'models';

/** What IndexedDB keeps for a saved model: the safetensors bytes (config in their metadata). */
export interface StoredModel {
  bytes: Uint8Array;
  savedAt: string;
}

function idb(op: string): IDBFactory {
  if (typeof indexedDB === 'undefined')
    throw new PlatformError(
      `${op}: IndexedDB is not available here (it is a browser API; in Node use a file path)`,
    );
  return indexedDB;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function open(op: string): Promise<IDBDatabase> {
  const r = idb(op).open(DB, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(STORE);
  return request(r);
}

async function inStore<T>(
  op: string,
  mode: IDBTransactionMode,
  fn: (s: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open(op);
  try {
    const tx = db.transaction(STORE, mode);
    const result = await request(fn(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result;
  } catch (e) {
    throw new SourceError(`${op}: IndexedDB failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  } finally {
    db.close();
  }
}

export async function putModel(op: string, name: string, bytes: Uint8Array): Promise<void> {
  const record: StoredModel = { bytes, savedAt: new Date().toISOString() };
  await inStore(op, 'readwrite', (s) => s.put(record, name));
}

export async function getModel(op: string, name: string): Promise<Uint8Array> {
  const record = (await inStore(op, 'readonly', (s) => s.get(name))) as StoredModel | undefined;
  if (!record)
    throw new SourceError(
      `${op}: no model named '${name}' in IndexedDB (saved ones: ${(await listStored(op)).join(', ') || 'none'})`,
    );
  return record.bytes;
}

export async function listStored(op: string): Promise<string[]> {
  return ((await inStore(op, 'readonly', (s) => s.getAllKeys())) as IDBValidKey[]).map(String);
}

export async function deleteStored(op: string, name: string): Promise<void> {
  await inStore(op, 'readwrite', (s) => s.delete(name));
}
