import { checkOptions, optionKeys, type Tensor } from '@nn/tensor';
import { decodeElements, dtypeFor, ELEMENT_SIZE } from '../elements.js';
import { TorchCheckpointError } from '../errors.js';
import { checkLoadOptions, disposeAll, type LoadOptions, makeTensor } from '../make-tensor.js';
import type { Source } from '../source.js';
import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { type TorchStorage, TorchTensorRef } from './values.js';

/** Options of `loadTorch`. */
export interface LoadTorchOptions extends LoadOptions {
  /**
   * The entry of a checkpoint dict that holds the state dict (`'model_state_dict'`). By default:
   * the object itself when it is a dict of tensors, else its one entry that is (with several,
   * `state_dict`, `model_state_dict`, `model`, `module`, `net` are tried in that order).
   */
  key?: string;
}

const PREFERRED = ['state_dict', 'model_state_dict', 'model', 'module', 'net'];
const MAX_DEPTH = 1000;

function fail(code: ConstructorParameters<typeof TorchCheckpointError>[0], message: string) {
  return new TorchCheckpointError(code, `loadTorch: ${message}`);
}

/**
 * The state dict of a PyTorch checkpoint (`torch.save` of a `state_dict()`, or of a dict holding
 * one, e.g. `{'model_state_dict': ..., 'epoch': 3}`), zip or legacy format, from a path, URL,
 * Blob/File or bytes; no Python. The pickle is read by an allow-listed unpickler: a checkpoint
 * that names any other Python global is refused (TorchCheckpointError 'refused-global'), so a file
 * can never run code. Views keep their offsets and strides (each tensor gets its own copy); int64
 * becomes int32 with a range check (`num_batches_tracked`), float16/bfloat16 float32. The
 * tensors are kept (outside `tidy`): dispose them when done.
 *
 * @example
 * model.loadStateDict(await loadTorch('mixed.pt'));
 */
export async function loadTorch(
  source: Source,
  options: LoadTorchOptions = {},
): Promise<Map<string, Tensor>> {
  checkOptions('loadTorch', options, optionKeys<LoadTorchOptions>({ backend: 1, key: 1 }));
  const cp = await openCheckpoint(source);
  try {
    const dict = pickStateDict(cp.root, options.key);
    const made = new Map<string, Tensor>();
    const bySource = new Map<TorchTensorRef, Tensor>();
    const cache = new Map<TorchStorage, Uint8Array>();
    try {
      for (const [name, ref] of dict) {
        let t = bySource.get(ref);
        if (!t) {
          t = await materialize(cp, ref, name, options, cache);
          bySource.set(ref, t);
        }
        made.set(name, t);
      }
    } catch (e) {
      disposeAll(new Set(made.values()));
      throw e;
    }
    return made;
  } finally {
    await cp.close();
  }
}

/**
 * The whole object of a `torch.save` file, with every tensor made an nn Tensor: dicts as `Map`s
 * (keys keep their Python types: an optimizer's `state` has int keys), lists and tuples as arrays,
 * None as null, ints beyond 2^53 as bigint. The same allow-list as `loadTorch` applies.
 *
 * @example
 * const ckpt = (await readTorch('checkpoint.pt')) as Map<string, unknown>;
 * ckpt.get('epoch'); // 3
 */
export async function readTorch(source: Source, options: LoadOptions = {}): Promise<unknown> {
  checkLoadOptions('readTorch', options);
  const cp = await openCheckpoint(source);
  const made = new Map<TorchTensorRef, Tensor>();
  const cache = new Map<TorchStorage, Uint8Array>();
  const done = new Map<unknown, unknown>();
  const walk = async (v: unknown, path: string, depth: number): Promise<unknown> => {
    if (depth > MAX_DEPTH) throw fail('bad-pickle', `the object is nested deeper than ${MAX_DEPTH} levels`);
    if (v === null || typeof v !== 'object') return v;
    if (done.has(v)) return done.get(v);
    if (v instanceof TorchTensorRef) {
      const t = await materialize(cp, v, path || 'tensor', options, cache);
      made.set(v, t);
      done.set(v, t);
      return t;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      done.set(v, out);
      for (const [i, x] of v.entries()) out.push(await walk(x, `${path}[${i}]`, depth + 1));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      done.set(v, out);
      for (const [k, x] of v) out.set(k, await walk(x, path ? `${path}.${String(k)}` : String(k), depth + 1));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set<unknown>();
      done.set(v, out);
      for (const x of v) out.add(await walk(x, path, depth + 1));
      return out;
    }
    return v;
  };
  try {
    return await walk(cp.root, '', 0);
  } catch (e) {
    disposeAll(made.values());
    throw e;
  } finally {
    await cp.close();
  }
}

/** A dict whose keys are strings and whose values are all tensors: a state dict. */
function asStateDict(v: unknown): Map<string, TorchTensorRef> | null {
  if (!(v instanceof Map) || v.size === 0) return null;
  for (const [k, x] of v) if (typeof k !== 'string' || !(x instanceof TorchTensorRef)) return null;
  return v as Map<string, TorchTensorRef>;
}

function describe(v: unknown): string {
  if (v instanceof TorchTensorRef) return 'a single tensor';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return `a dict with keys ${[...v.keys()].map((k) => JSON.stringify(k)).join(', ')}`;
  return v === null ? 'None' : typeof v;
}

function pickStateDict(root: unknown, key: string | undefined): Map<string, TorchTensorRef> {
  if (key !== undefined) {
    const sd = root instanceof Map ? asStateDict(root.get(key)) : null;
    if (!sd)
      throw fail(
        'no-state-dict',
        `'${key}' is not a dict of tensors in this checkpoint (it holds ${describe(root)})`,
      );
    return sd;
  }
  const own = asStateDict(root);
  if (own) return own;
  if (root instanceof Map) {
    const candidates = [...root].filter(([k, v]) => typeof k === 'string' && asStateDict(v)) as [
      string,
      Map<string, TorchTensorRef>,
    ][];
    if (candidates.length === 1) return candidates[0][1];
    for (const name of PREFERRED) {
      const hit = candidates.find(([k]) => k === name);
      if (hit) return hit[1];
    }
    if (candidates.length > 1)
      throw fail(
        'no-state-dict',
        `the checkpoint holds several dicts of tensors (${candidates.map(([k]) => `'${k}'`).join(', ')}); choose one with { key }`,
      );
  }
  throw fail(
    'no-state-dict',
    `no state dict (a dict of tensors by name) in this checkpoint: it holds ${describe(root)}; readTorch gives the whole object`,
  );
}

/** A checkpoint tensor as an nn Tensor: its strided window gathered into a contiguous copy. */
async function materialize(
  cp: Checkpoint,
  ref: TorchTensorRef,
  name: string,
  options: LoadOptions,
  cache: Map<TorchStorage, Uint8Array>,
): Promise<Tensor> {
  const type = ref.type ?? ref.storage.type;
  if (type === null)
    throw fail('unsupported-dtype', `'${name}' holds ${ref.typeName} elements, which nn has no dtype for`);
  const size = ELEMENT_SIZE[type];
  const numel = ref.shape.reduce((a, b) => a * b, 1);
  let storage = cache.get(ref.storage);
  if (!storage) {
    storage = await cp.storageBytes(ref.storage);
    cache.set(ref.storage, storage);
  }
  const capacity = Math.floor(storage.length / size);
  let last = ref.storageOffset;
  for (let i = 0; i < ref.shape.length; i++) last += (ref.shape[i] - 1) * ref.stride[i];
  if (numel > 0 && last >= capacity)
    throw fail(
      'bad-storage',
      `'${name}' (size [${ref.shape}], stride [${ref.stride}], offset ${ref.storageOffset}) reaches element ${last} of a storage of ${capacity}`,
    );
  const bytes = numel === 0 ? new Uint8Array(0) : gather(storage, size, ref, numel);
  const values = decodeElements('loadTorch', name, type, bytes);
  return makeTensor('loadTorch', name, values, dtypeFor(type), ref.shape, options);
}

/** The tensor's elements in row-major order, as raw bytes (a view when they already are). */
function gather(storage: Uint8Array, size: number, ref: TorchTensorRef, numel: number): Uint8Array {
  const { shape, stride } = ref;
  let contiguous = true;
  for (let i = shape.length - 1, expected = 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  const start = ref.storageOffset * size;
  if (contiguous) return storage.subarray(start, start + numel * size);
  const out = new Uint8Array(numel * size);
  const index = new Array<number>(shape.length).fill(0);
  let at = ref.storageOffset;
  for (let n = 0; n < numel; n++) {
    out.set(storage.subarray(at * size, at * size + size), n * size);
    // Odometer over the dims, innermost fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      at += stride[d];
      if (index[d] < shape[d]) break;
      at -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
