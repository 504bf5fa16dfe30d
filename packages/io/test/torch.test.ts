import { memory, type Tensor } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTorch, readSafetensors, readTorch, TorchCheckpointError } from '../src/index.js';
import { fixture, fixtureJson, flat, sameValues, useCpu } from './helpers.js';

beforeAll(useCpu);

interface MixedIo {
  state_dict: { key: string; shape: number[]; dtype: string }[];
}

function disposeMap(m: Map<string, Tensor>): void {
  for (const t of new Set(m.values())) t.dispose();
}

/** The tensors of a safetensors fixture, to compare a checkpoint's with. */
function reference(file: string): Map<string, Tensor> {
  return readSafetensors(fixture(file)).tensors;
}

function expectSameTensors(got: Map<string, Tensor>, want: Map<string, Tensor>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [k, w] of want) {
    const g = got.get(k)!;
    expect(g.shape, k).toEqual(w.shape);
    expect(g.dtype, k).toBe(w.dtype);
    expect(sameValues(g.dataSync(), [...w.dataSync()]), k).toBe(true);
  }
}

describe('loadTorch', () => {
  const io = fixtureJson<MixedIo>('mixed_io.json');
  const ref = () => reference('mixed.safetensors');

  for (const file of ['mixed.pt', 'mixed_legacy.pt', 'mixed_nested.pt']) {
    it(`reads ${file}: the same tensors as mixed.safetensors, in state_dict order`, async () => {
      const before = memory().numTensors;
      const got = await loadTorch(fixture(file));
      expect([...got.keys()]).toEqual(io.state_dict.map((e) => e.key));
      const want = ref();
      expectSameTensors(got, want);
      expect(got.get('features.1.num_batches_tracked')!.dtype).toBe('int32');
      expect(got.get('features.1.num_batches_tracked')!.itemSync()).toBe(5);
      disposeMap(got);
      disposeMap(want);
      expect(memory().numTensors).toBe(before);
    });
  }

  it('reads the MLP checkpoint from a path', async () => {
    const { FIXTURES } = await import('./helpers.js');
    const got = await loadTorch(`${FIXTURES}/mlp_mnistlike.pt`);
    const want = reference('mlp_mnistlike.safetensors');
    expectSameTensors(got, want);
    disposeMap(got);
    disposeMap(want);
  });

  it('picks a named entry with { key }, and says which when none or several fit', async () => {
    const sd = await loadTorch(fixture('mixed_nested.pt'), { key: 'model_state_dict' });
    expect(sd.size).toBe(22);
    disposeMap(sd);
    await expect(loadTorch(fixture('mixed_nested.pt'), { key: 'optimizer_state_dict' })).rejects.toThrow(
      /'optimizer_state_dict' is not a dict of tensors/,
    );
    const twoDicts = pickle(
      dict([
        ['a', dict([['w', tensorPickle()]])],
        ['b', dict([['w', tensorPickle()]])],
      ]),
    );
    await expect(
      loadTorch(zipOf({ 'archive/data.pkl': twoDicts, 'archive/data/0': new Uint8Array(4) })),
    ).rejects.toThrow(/several dicts of tensors \('a', 'b'\); choose one with \{ key \}/);
  });
});

interface ViewCase {
  dtype: string;
  shape: number[];
  values: unknown;
}

describe('readTorch', () => {
  const views = fixtureJson<Record<string, ViewCase>>('pt_views_dtypes.json');
  const NN: Record<string, string> = {
    float32: 'float32',
    float64: 'float64',
    float16: 'float32',
    bfloat16: 'float32',
    int64: 'int32',
    int32: 'int32',
    int16: 'int32',
    int8: 'int32',
    uint8: 'int32',
    bool: 'bool',
  };

  for (const file of ['pt_views_dtypes.pt', 'pt_views_dtypes_legacy.pt']) {
    it(`${file}: views of one storage, strides, a tied tensor, every storage type, nested Python values`, async () => {
      const before = memory().numTensors;
      const obj = (await readTorch(fixture(file))) as Map<string, unknown>;
      for (const [name, c] of Object.entries(views)) {
        if (typeof c !== 'object' || !('dtype' in c)) continue;
        const t = obj.get(name) as Tensor;
        expect(t.shape, name).toEqual(c.shape);
        expect(t.dtype, name).toBe(NN[c.dtype]);
        const want = c.shape.length === 0 ? [Number(c.values)] : flat(c.values);
        expect(sameValues(t.dataSync(), want), `${name}: ${[...t.dataSync()]}`).toBe(true);
      }
      expect(obj.get('tied_a')).toBe(obj.get('tied_b'));
      const nested = obj.get('nested') as Map<string, unknown>;
      const list = nested.get('list') as unknown[];
      expect((list[0] as Tensor).dtype).toBe('int32');
      expect([...(list[0] as Tensor).dataSync()]).toEqual([1, 2]);
      expect(list.slice(1)).toEqual([7, 'text', null, true, 2.5]);
      expect(nested.get('tuple')).toEqual([1, [2, 3]]);
      for (const v of new Set(obj.values()))
        if (v instanceof Object && 'dispose' in v) (v as Tensor).dispose();
      (list[0] as Tensor).dispose();
      expect(memory().numTensors).toBe(before);
    });
  }

  it('reads a whole training checkpoint: epoch, optimizer state with int keys, param groups', async () => {
    const ckpt = (await readTorch(fixture('mixed_nested.pt'))) as Map<string, unknown>;
    expect(ckpt.get('epoch')).toBe(3);
    const opt = ckpt.get('optimizer_state_dict') as Map<string, unknown>;
    const state = opt.get('state') as Map<number, Map<string, Tensor>>;
    expect([...state.keys()]).toEqual(Array.from({ length: 19 }, (_, i) => i));
    expect(state.get(0)!.get('step')!.itemSync()).toBe(5);
    const group = (opt.get('param_groups') as Map<string, unknown>[])[0];
    expect(group.get('betas')).toEqual([0.9, 0.999]);
    expect(group.get('foreach')).toBe(null);
    expect(group.get('params')).toEqual(Array.from({ length: 19 }, (_, i) => i));
    const all = new Set<Tensor>();
    const collect = (v: unknown): void => {
      if (v instanceof Map) for (const x of v.values()) collect(x);
      else if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object' && 'dispose' in v) all.add(v as Tensor);
    };
    collect(ckpt);
    for (const t of all) t.dispose();
  });
});

// ---- hand-made pickles and zips: what a hostile or broken file could hold

const enc = new TextEncoder();
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const str = (s: string) => cat([0x8c, enc.encode(s).length], enc.encode(s)); // SHORT_BINUNICODE
const global = (m: string, n: string) => cat([0x63], enc.encode(`${m}\n${n}\n`));
const pickle = (body: Uint8Array) => cat([0x80, 0x02], body, [0x2e]);
const dict = (items: [string, Uint8Array][]) =>
  cat([0x7d, 0x28], ...items.flatMap(([k, v]) => [str(k), v]), [0x75]); // EMPTY_DICT MARK ... SETITEMS
/** `_rebuild_tensor_v2(storage '0' (<storage>, 1 element), 0, (1,), (1,), False, OrderedDict())`. */
const tensorPickle = (storage = 'FloatStorage') =>
  cat(
    global('torch._utils', '_rebuild_tensor_v2'),
    [0x28], // MARK (the args tuple)
    [0x28], // MARK (the persistent id tuple)
    str('storage'),
    global('torch', storage),
    str('0'),
    str('cpu'),
    [0x4b, 1], // numel
    [0x74, 0x51], // TUPLE, BINPERSID
    [0x4b, 0], // offset
    [0x4b, 1, 0x85], // (1,)
    [0x4b, 1, 0x85], // (1,)
    [0x89], // False
    global('collections', 'OrderedDict'),
    [0x29, 0x52], // () REDUCE
    [0x74, 0x52], // TUPLE, REDUCE
  );

/** A stored (uncompressed) zip of `files`; `method` marks every entry as compressed when not 0. */
function zipOf(files: Record<string, Uint8Array>, method = 0): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = enc.encode(name);
    const h = new DataView(new ArrayBuffer(30));
    h.setUint32(0, 0x04034b50, true);
    h.setUint16(8, method, true);
    h.setUint32(18, data.length, true);
    h.setUint32(22, data.length, true);
    h.setUint16(26, n.length, true);
    locals.push(cat(new Uint8Array(h.buffer), n, data));
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(10, method, true);
    c.setUint32(20, data.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, n.length, true);
    c.setUint32(42, offset, true);
    central.push(cat(new Uint8Array(c.buffer), n));
    offset += 30 + n.length + data.length;
  }
  const cd = cat(...central);
  const e = new DataView(new ArrayBuffer(22));
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, central.length, true);
  e.setUint16(10, central.length, true);
  e.setUint32(12, cd.length, true);
  e.setUint32(16, offset, true);
  return cat(...locals, cd, new Uint8Array(e.buffer));
}

describe('the unpickler refuses what a state dict does not need', () => {
  const inZip = (pkl: Uint8Array) => zipOf({ 'archive/data.pkl': pkl });
  const hostile: [string, Uint8Array, string][] = [
    ['os.system', pickle(cat(global('os', 'system'), str('echo hi'), [0x85, 0x52])), 'os.system'],
    ['builtins.eval', pickle(cat(global('builtins', 'eval'), str('1+1'), [0x85, 0x52])), 'builtins.eval'],
    [
      '__builtin__.exec (Python 2 name)',
      pickle(cat(global('__builtin__', 'exec'), str('x'), [0x85, 0x52])),
      'builtins.exec',
    ],
    [
      'STACK_GLOBAL subprocess.Popen',
      pickle(cat(str('subprocess'), str('Popen'), [0x93], str('ls'), [0x85, 0x52])),
      'subprocess.Popen',
    ],
    ['INST of a class', pickle(cat([0x28], [0x69], enc.encode('posix\nsystem\n'))), 'posix.system'],
    [
      'torch.load (torch, but not data)',
      pickle(cat(global('torch', 'load'), str('x'), [0x85, 0x52])),
      'torch.load',
    ],
  ];
  for (const [what, pkl, qualname] of hostile) {
    it(`refuses ${what} by name, in the zip and in the legacy format`, async () => {
      for (const bytes of [inZip(pkl), pkl]) {
        const err = await loadTorch(bytes).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TorchCheckpointError);
        expect((err as TorchCheckpointError).code).toBe('refused-global');
        expect((err as Error).message).toContain(`the Python global '${qualname}'`);
        expect((err as Error).message).toContain('nn never runs code from a file');
      }
    });
  }

  it('refuses the extension registry and out-of-band buffers', async () => {
    await expect(loadTorch(inZip(pickle(cat([0x82, 1]))))).rejects.toThrow(
      expect.objectContaining({ code: 'refused-opcode' }),
    );
    await expect(loadTorch(inZip(pickle(cat([0x97]))))).rejects.toThrow(/out-of-band buffers/);
  });

  it('refuses calling a storage class or a dtype (allowed names, but not functions)', async () => {
    await expect(loadTorch(inZip(pickle(cat(global('torch', 'float32'), [0x29, 0x52]))))).rejects.toThrow(
      /REDUCE, calling torch.float32/,
    );
  });
});

describe('broken checkpoints are typed errors', () => {
  const cases: [string, Uint8Array, string, RegExp][] = [
    [
      'random bytes',
      new Uint8Array([1, 2, 3, 4, 5, 6]),
      'not-a-checkpoint',
      /neither a zip archive nor a pickle/,
    ],
    [
      'a zip without data.pkl',
      zipOf({ 'x/other': new Uint8Array(3) }),
      'not-a-checkpoint',
      /no data.pkl entry/,
    ],
    ['a truncated zip', fixture('mixed.pt').subarray(0, 20000), 'bad-zip', /no end-of-central-directory/],
    [
      'a compressed entry',
      zipOf({ 'a/data.pkl': pickle(cat([0x4e])) }, 8),
      'compressed-entry',
      /'a\/data.pkl' is compressed/,
    ],
    [
      'a storage entry that is missing',
      zipOf({ 'a/data.pkl': pickle(dict([['w', tensorPickle()]])) }),
      'bad-storage',
      /storage '0' has no 'a\/data\/0' entry/,
    ],
    [
      'a storage too small for its tensor',
      zipOf({ 'a/data.pkl': pickle(dict([['w', tensorPickle()]])), 'a/data/0': new Uint8Array(2) }),
      'bad-storage',
      /needs 4 bytes, its zip entry has 2/,
    ],
    [
      'a pickle cut short',
      zipOf({ 'a/data.pkl': pickle(cat([0x58, 9, 0, 0, 0])) }),
      'bad-pickle',
      /ends early/,
    ],
    ['a plain pickle', pickle(cat([0x4b, 7])), 'not-a-checkpoint', /without the torch.save magic number/],
    [
      'a bare tensor',
      zipOf({ 'a/data.pkl': pickle(tensorPickle()), 'a/data/0': new Uint8Array(4) }),
      'no-state-dict',
      /holds a single tensor/,
    ],
  ];
  for (const [what, bytes, code, message] of cases) {
    it(what, async () => {
      const before = memory().numTensors;
      const err = await loadTorch(bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TorchCheckpointError);
      expect((err as TorchCheckpointError).code).toBe(code);
      expect((err as Error).message).toMatch(message);
      expect(memory().numTensors).toBe(before);
    });
  }

  it('a hand-made zip checkpoint with one tensor loads (the helpers above build valid files)', async () => {
    const data = new Uint8Array(new Float32Array([2.5]).buffer);
    const sd = await loadTorch(
      zipOf({ 'a/data.pkl': pickle(dict([['w', tensorPickle()]])), 'a/data/0': data }),
    );
    expect([...sd.get('w')!.dataSync()]).toEqual([2.5]);
    disposeMap(sd);
  });
});

describe('int64 storages', () => {
  it('become int32, and a value beyond int32 is a DTypeError naming the tensor', async () => {
    const long = (v: bigint) => new Uint8Array(new BigInt64Array([v]).buffer);
    const pkl = pickle(dict([['steps', tensorPickle('LongStorage')]]));
    const ok = await loadTorch(zipOf({ 'a/data.pkl': pkl, 'a/data/0': long(-5n) }));
    expect(ok.get('steps')!.dtype).toBe('int32');
    expect([...ok.get('steps')!.dataSync()]).toEqual([-5]);
    disposeMap(ok);
    const before = memory().numTensors;
    await expect(loadTorch(zipOf({ 'a/data.pkl': pkl, 'a/data/0': long(2n ** 40n) }))).rejects.toThrow(
      /'steps' is I64 and holds 1099511627776 at flat index 0, outside int32/,
    );
    expect(memory().numTensors).toBe(before);
  });
});
