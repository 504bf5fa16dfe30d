import { TorchCheckpointError } from '../errors.js';
import { openSource, type Source } from '../source.js';
import { type ByteReader, fileReader, memoryReader } from './bytes.js';
import { unpickle } from './pickle.js';
import { PyStorageClass, TorchStorage } from './values.js';
import { readZipEntries } from './zip.js';

/** A checkpoint read up to its tensors: the unpickled object, and where each storage's bytes are. */
export interface Checkpoint {
  root: unknown;
  /** The storage's bytes, little-endian (at least numel × item size). */
  storageBytes(storage: TorchStorage): Promise<Uint8Array>;
  close(): Promise<void>;
}

const MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function fail(code: ConstructorParameters<typeof TorchCheckpointError>[0], message: string) {
  return new TorchCheckpointError(code, `loadTorch: ${message}`);
}

/** Opens a `torch.save` file of either format: the zip one (PyTorch >= 1.6) or the legacy one. */
export async function openCheckpoint(source: Source): Promise<Checkpoint> {
  const opened = await openSource('loadTorch', source);
  const reader = opened.kind === 'file' ? fileReader(opened.file) : memoryReader(opened.bytes);
  const close = async () => {
    if (opened.kind === 'file') await opened.file.close();
  };
  try {
    const head = await reader.read(0, Math.min(reader.size, 512));
    if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
      return { ...(await openZip(reader)), close };
    }
    if (head[0] === 0x80) {
      const bytes = opened.kind === 'file' ? await reader.read(0, reader.size) : opened.bytes;
      await close();
      return { ...openLegacy(bytes), close: async () => {} };
    }
    const tar = head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar';
    throw fail(
      'not-a-checkpoint',
      tar
        ? 'this is the tar format of PyTorch before 0.4; load and re-save it with a recent torch.save'
        : 'not a torch.save file (neither a zip archive nor a pickle)',
    );
  } catch (e) {
    await close();
    throw e;
  }
}

function storageFactory() {
  const storages = new Map<string, TorchStorage>();
  /** Persistent id ('storage', StorageClass, key, location, numel[, view metadata]) → TorchStorage. */
  const load = (pid: unknown): TorchStorage => {
    if (!Array.isArray(pid) || pid[0] !== 'storage')
      throw fail(
        'bad-pickle',
        `unsupported persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : pid)} (only storages)`,
      );
    const [, cls, rawKey, , numel, view] = pid;
    if (!(cls instanceof PyStorageClass))
      throw fail('bad-pickle', 'a storage id does not name a storage class');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
      throw fail('bad-pickle', `storage '${String(rawKey)}' has a bad element count ${String(numel)}`);
    const key = String(rawKey);
    let root = storages.get(key);
    if (!root) {
      root = new TorchStorage(
        key,
        cls.type,
        cls.qualname.replace(/^torch\.(storage\.)?/, ''),
        cls.itemSize,
        numel,
      );
      storages.set(key, root);
    }
    if (Array.isArray(view) && view.length === 3) {
      // Legacy view storages: (view key, offset, size) in elements of the root.
      const [viewKey, offset, size] = view as [unknown, number, number];
      const vk = String(viewKey);
      let v = storages.get(vk);
      if (!v) {
        v = new TorchStorage(vk, root.type, root.typeName, root.itemSize, size, { storage: root, offset });
        storages.set(vk, v);
      }
      return v;
    }
    return root;
  };
  return { storages, load };
}

async function openZip(reader: ByteReader): Promise<Omit<Checkpoint, 'close'>> {
  const entries = await readZipEntries(reader);
  const pkl = [...entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pkl.length === 0)
    throw fail(
      'not-a-checkpoint',
      'the zip has no data.pkl entry: not a torch.save file (a TorchScript archive?)',
    );
  // The shortest such name is the checkpoint's own (a nested archive could hold others).
  pkl.sort((a, b) => a.length - b.length);
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const read = async (name: string) => {
    const e = entries.get(name)!;
    return reader.read(e.offset, e.size);
  };
  const order = entries.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(await read(`${prefix}byteorder`))
    : 'little';
  if (order !== 'little' && order !== 'big') throw fail('bad-storage', `unknown byte order '${order}'`);
  const { load } = storageFactory();
  const root = unpickle(await read(pkl[0]), 0, load).value;
  return {
    root,
    async storageBytes(storage) {
      const name = `${prefix}data/${storage.key}`;
      const e = entries.get(name);
      if (!e) throw fail('bad-storage', `storage '${storage.key}' has no '${name}' entry in the zip`);
      const want = storage.numel * storage.itemSize;
      if (e.size < want)
        throw fail(
          'bad-storage',
          `storage '${storage.key}' needs ${want} bytes, its zip entry has ${e.size}`,
        );
      const bytes = await reader.read(e.offset, want);
      return order === 'big' ? swapBytes(bytes, storage.itemSize) : bytes;
    },
  };
}

function openLegacy(bytes: Uint8Array): Omit<Checkpoint, 'close'> {
  const noStorage = () => {
    throw fail('bad-pickle', 'a header pickle of the legacy format refers to a storage');
  };
  let at = 0;
  const next = (load: (pid: unknown) => unknown = noStorage) => {
    const r = unpickle(bytes, at, load);
    at = r.end;
    return r.value;
  };
  const magic = next();
  if (typeof magic !== 'bigint' || magic !== MAGIC)
    throw fail(
      'not-a-checkpoint',
      'a pickle without the torch.save magic number: not a checkpoint (a plain pickle?)',
    );
  const protocol = next();
  if (protocol !== LEGACY_PROTOCOL)
    throw fail('not-a-checkpoint', `legacy protocol ${String(protocol)}, expected 1001`);
  const info = next();
  if (info instanceof Map && info.get('little_endian') === false)
    throw fail('bad-storage', 'the file was written on a big-endian machine (legacy format); re-save it');
  const { storages, load } = storageFactory();
  const root = next(load);
  const keys = next();
  if (!Array.isArray(keys)) throw fail('bad-pickle', 'the legacy storage key list is missing');
  // The storages' bytes follow in the order of that list: an int64 element count, then the data.
  const where = new Map<string, number>();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const k of keys) {
    const s = storages.get(String(k));
    if (!s)
      throw fail('bad-storage', `the legacy key list names storage '${String(k)}', which no tensor uses`);
    if (at + 8 > bytes.length)
      throw fail('bad-storage', `the data of storage '${s.key}' is missing (file truncated?)`);
    const count = Number(dv.getBigInt64(at, true));
    if (count !== s.numel)
      throw fail('bad-storage', `storage '${s.key}' says ${s.numel} elements, its data record ${count}`);
    where.set(s.key, at + 8);
    at += 8 + count * s.itemSize;
    if (at > bytes.length)
      throw fail('bad-storage', `the data of storage '${s.key}' runs past the end of the file`);
  }
  const storageBytes = async (storage: TorchStorage): Promise<Uint8Array> => {
    const base = storage.base;
    if (base) {
      const all = await storageBytes(base.storage);
      return all.subarray(base.offset * storage.itemSize, (base.offset + storage.numel) * storage.itemSize);
    }
    const start = where.get(storage.key);
    if (start === undefined) throw fail('bad-storage', `storage '${storage.key}' has no data in the file`);
    return bytes.subarray(start, start + storage.numel * storage.itemSize);
  };
  return { root, storageBytes };
}

function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size)
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  return out;
}
