import type { ElementType } from '../elements.js';
import { TorchCheckpointError } from '../errors.js';
import { PyFunction, PyGlobal, PyStorageClass, TorchStorage, TorchTensorRef } from './values.js';

/**
 * The Python globals a checkpoint of state dicts may name, and what each stands for here. This
 * table is the whole of what a file can ask for: anything else is refused when the pickle names
 * it, before it could be called. None of these runs code from the file; each only builds data.
 */
export type Allowed = PyFunction | PyStorageClass | PyGlobal;

// Storage classes: the element type of the bytes. null: nn holds no such numbers (refused if used).
const STORAGES: Record<string, [ElementType | null, number]> = {
  FloatStorage: ['F32', 4],
  DoubleStorage: ['F64', 8],
  HalfStorage: ['F16', 2],
  BFloat16Storage: ['BF16', 2],
  LongStorage: ['I64', 8],
  IntStorage: ['I32', 4],
  ShortStorage: ['I16', 2],
  CharStorage: ['I8', 1],
  ByteStorage: ['U8', 1],
  BoolStorage: ['BOOL', 1],
  UntypedStorage: ['U8', 1],
  ComplexFloatStorage: [null, 8],
  ComplexDoubleStorage: [null, 16],
  QInt8Storage: [null, 1],
  QUInt8Storage: [null, 1],
  QInt32Storage: [null, 4],
};

// torch.<dtype> names, as `_rebuild_tensor_v3` passes them.
const DTYPES: Record<string, ElementType> = {
  float32: 'F32',
  float: 'F32',
  float64: 'F64',
  double: 'F64',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  long: 'I64',
  int32: 'I32',
  int: 'I32',
  int16: 'I16',
  short: 'I16',
  int8: 'I8',
  uint8: 'U8',
  uint16: 'U16',
  uint32: 'U32',
  uint64: 'U64',
  bool: 'BOOL',
};

function refuse(message: string): TorchCheckpointError {
  return new TorchCheckpointError('bad-pickle', `loadTorch: ${message}`);
}

function ints(what: string, v: unknown): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isSafeInteger(d)))
    throw refuse(`a tensor's ${what} must be a tuple of integers, got ${String(v)}`);
  return v as number[];
}

/** `_rebuild_tensor*`'s common part: a strided window on a storage, checked to lie inside it. */
function tensorRef(args: unknown[], type: ElementType | null, typeName: string | null): TorchTensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage))
    throw refuse('a tensor is rebuilt from something that is not a storage');
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    throw refuse(`a tensor's storage offset must be an integer >= 0, got ${String(offset)}`);
  const shape = ints('size', size);
  const strides = ints('stride', stride);
  if (shape.length !== strides.length || shape.some((d) => d < 0) || strides.some((s) => s < 0))
    throw refuse(`a tensor's size [${shape}] and stride [${strides}] do not fit together`);
  return new TorchTensorRef(storage, offset, shape, strides, type, typeName ?? storage.typeName);
}

function dtypeArg(v: unknown): [ElementType | null, string] {
  if (!(v instanceof PyGlobal) || !v.qualname.startsWith('torch.'))
    throw refuse(`expected a torch dtype, got ${String(v)}`);
  const name = v.qualname.slice('torch.'.length);
  return [DTYPES[name] ?? null, name];
}

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  'collections.OrderedDict': (args) => {
    const m = new Map<unknown, unknown>();
    const items = args[0];
    if (Array.isArray(items))
      for (const pair of items) if (Array.isArray(pair) && pair.length === 2) m.set(pair[0], pair[1]);
    return m;
  },
  'torch._utils._rebuild_tensor': (args) => tensorRef(args, null, null),
  'torch._utils._rebuild_tensor_v2': (args) => tensorRef(args, null, null),
  'torch._utils._rebuild_tensor_v3': (args) => {
    const [type, name] = dtypeArg(args[6]);
    return tensorRef(args, type, name);
  },
  // Parameters come back as their data: state dicts hold tensors, not trainable flags.
  'torch._utils._rebuild_parameter': (args) => args[0],
  'torch._utils._rebuild_parameter_with_state': (args) => args[0],
  'torch._tensor._rebuild_from_type_v2': (args) => {
    const [fn, , inner] = args;
    if (!(fn instanceof PyFunction) || !Array.isArray(inner))
      throw refuse('_rebuild_from_type_v2 got no allowed rebuild function');
    return fn.call(inner);
  },
  'torch.Size': (args) => [...((args[0] as unknown[]) ?? [])],
  'torch.device': (args) => args.map(String).join(':'),
  '_codecs.encode': (args) => {
    const [text, encoding] = args;
    if (typeof text !== 'string') throw refuse('_codecs.encode expects a string');
    if (encoding !== 'latin1' && encoding !== 'latin-1') return new TextEncoder().encode(text);
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  },
  'builtins.set': (args) => new Set((args[0] as unknown[]) ?? []),
  'builtins.frozenset': (args) => new Set((args[0] as unknown[]) ?? []),
  'builtins.bytearray': (args) => {
    const v = args[0];
    if (v instanceof Uint8Array) return v.slice();
    if (Array.isArray(v)) return Uint8Array.from(v as number[]);
    if (typeof v === 'string') return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
    return new Uint8Array(0);
  },
};

// Classes named only as the type argument of _rebuild_from_type_v2.
const TYPE_TOKENS = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter', 'torch.nn.Parameter']);

/** What `module.name` stands for, or a TorchCheckpointError ('refused-global') naming it. */
export function resolveGlobal(module: string, name: string): Allowed {
  const mod = module === '__builtin__' ? 'builtins' : module;
  const qualname = `${mod}.${name}`;
  const fn = FUNCTIONS[qualname];
  if (fn) return new PyFunction(qualname, fn);
  if ((mod === 'torch' || mod === 'torch.storage') && Object.hasOwn(STORAGES, name)) {
    const [type, itemSize] = STORAGES[name];
    return new PyStorageClass(qualname, type, itemSize);
  }
  if ((mod === 'torch' && Object.hasOwn(DTYPES, name)) || TYPE_TOKENS.has(qualname))
    return new PyGlobal(qualname);
  throw new TorchCheckpointError(
    'refused-global',
    `loadTorch: the checkpoint names the Python global '${qualname}', which is not on the allow-list of what a state dict needs (tensors, storages, OrderedDict, ...). A checkpoint is data: nn never runs code from a file, so such a file is refused. Save a state_dict (torch.save(model.state_dict(), path)) or safetensors instead.`,
  );
}
