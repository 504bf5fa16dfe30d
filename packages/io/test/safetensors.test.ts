import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DTypeError, memory, type Tensor, tensor } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ElementType,
  loadSafetensors,
  readSafetensors,
  type SafetensorsDefect,
  SafetensorsError,
  writeSafetensors,
} from '../src/index.js';
import { FIXTURES, fixture, fixtureJson, flat, sameValues, useCpu } from './helpers.js';

interface TinyEntry {
  dtype: ElementType;
  shape: number[];
  data_offsets: [number, number];
  values: unknown;
}
interface Tiny {
  metadata: Record<string, string>;
  header_json: string;
  tensors: Record<string, TinyEntry>;
}

const NN_DTYPE: Record<string, string> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  I64: 'int32',
  I32: 'int32',
  I16: 'int32',
  I8: 'int32',
  U8: 'int32',
  BOOL: 'bool',
};

beforeAll(useCpu);

function disposeMap(m: Map<string, Tensor>): void {
  for (const t of m.values()) t.dispose();
}

describe('readSafetensors', () => {
  it('reads every dtype of tiny_all_dtypes bit-exactly (F16/BF16 subnormals, inf, NaN, -0, 0-d, empty)', () => {
    const tiny = fixtureJson<Tiny>('tiny_all_dtypes.json');
    const { tensors, metadata } = readSafetensors(fixture('tiny_all_dtypes.safetensors'));
    expect(metadata).toEqual(tiny.metadata);
    expect([...tensors.keys()]).toEqual(
      Object.keys(JSON.parse(tiny.header_json)).filter((k) => k !== '__metadata__'),
    );
    for (const [name, e] of Object.entries(tiny.tensors)) {
      const t = tensors.get(name)!;
      expect(t.shape, name).toEqual(e.shape);
      expect(t.dtype, name).toBe(NN_DTYPE[e.dtype]);
      const want = e.shape.length === 0 ? [Number(e.values)] : flat(e.values);
      expect(sameValues(t.dataSync(), want), `${name}: ${[...t.dataSync()]} vs ${want}`).toBe(true);
    }
    disposeMap(tensors);
  });

  it('refuses an I64 value outside int32 with a DTypeError naming the tensor, and leaves nothing behind', () => {
    const before = memory().numTensors;
    expect(() => readSafetensors(fixture('i64_big.safetensors'))).toThrow(DTypeError);
    expect(() => readSafetensors(fixture('i64_big.safetensors'))).toThrow(
      /'i64_big' is I64 and holds 9007199254740993 at flat index 0, outside int32/,
    );
    expect(memory().numTensors).toBe(before);
  });

  // Each broken file of the reference set, with the defect code it must give and words of its message.
  const BAD: Record<string, [SafetensorsDefect, RegExp]> = {
    'bad_duplicate_key.safetensors': ['duplicate-key', /names 'a' twice/],
    'bad_file_too_short.safetensors': ['file-too-short', /5 bytes, fewer than the 8-byte header length/],
    'bad_header_len_huge.safetensors': [
      'header-too-large',
      /9223372036854775813 bytes, above the format's limit/,
    ],
    'bad_header_len_too_large.safetensors': ['header-past-end', /says 260 bytes, but the file has only 152/],
    'bad_header_not_json.safetensors': ['header-not-json', /not valid JSON/],
    'bad_header_not_object.safetensors': ['header-not-object', /must be a JSON object, got an array/],
    'bad_metadata_not_string.safetensors': ['bad-metadata', /__metadata__ '.*' must be a string, got 3/],
    'bad_negative_shape.safetensors': ['bad-shape', /shape \[-2,-3\]; a shape is a list of integers >= 0/],
    'bad_offset_past_end.safetensors': ['buffer-truncated', /need 40 bytes of data but the file has 32/],
    'bad_offsets_gap.safetensors': [
      'offsets-gap',
      /'b' starts at byte 32 of the buffer, leaving a gap after byte 24/,
    ],
    'bad_offsets_not_covering_buffer.safetensors': [
      'buffer-not-covered',
      /cover 24 bytes but the file has 40/,
    ],
    'bad_offsets_overlap.safetensors': ['offsets-overlap', /'b' \(data_offsets \[8, 24\]\) overlaps/],
    'bad_offsets_reversed.safetensors': [
      'offsets-reversed',
      /'a' has data_offsets \[24, 0\]: begin is after end/,
    ],
    'bad_shape_offset_mismatch.safetensors': [
      'size-mismatch',
      /shape \[2,3\] \(24 bytes\) but data_offsets \[0, 20\] span 20/,
    ],
    'bad_unknown_dtype.safetensors': ['unknown-dtype', /dtype "F24", which safetensors does not define/],
  };

  it('gives every broken reference file its own typed error', () => {
    const files = readdirSync(join(FIXTURES, 'bad')).filter((f) => f.endsWith('.safetensors'));
    expect(files.sort()).toEqual(Object.keys(BAD).sort());
    const codes = new Set<string>();
    for (const f of files) {
      const [code, message] = BAD[f];
      let error: unknown;
      try {
        readSafetensors(fixture(`bad/${f}`));
      } catch (e) {
        error = e;
      }
      expect(error, f).toBeInstanceOf(SafetensorsError);
      expect((error as SafetensorsError).code, f).toBe(code);
      expect((error as Error).message, f).toMatch(message);
      expect((error as Error).message, f).toMatch(/^readSafetensors: /);
      codes.add(code);
    }
    expect(codes.size).toBe(files.length);
  });

  it('refuses a dtype the format knows but nn cannot read, by name', () => {
    const text = '{"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}';
    const json = new TextEncoder().encode(text);
    const bytes = new Uint8Array(8 + json.length + 1);
    new DataView(bytes.buffer).setUint32(0, json.length, true);
    bytes.set(json, 8);
    expect(() => readSafetensors(bytes)).toThrow(expect.objectContaining({ code: 'unsupported-dtype' }));
    expect(() => readSafetensors(bytes)).toThrow(/'x' has dtype F8_E4M3, which nn cannot read/);
  });

  it('refuses what is not bytes', () => {
    expect(() => readSafetensors('model.safetensors' as never)).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
  });
});

describe('writeSafetensors', () => {
  it('writes mixed.safetensors byte for byte as the reference writer (int32 stored as I64)', async () => {
    const { tensors, metadata } = readSafetensors(fixture('mixed.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    const out = await writeSafetensors(tensors, { format: 'pt' }, { dtypes: { int32: 'I64' } });
    expect(Buffer.from(out).equals(Buffer.from(fixture('mixed.safetensors')))).toBe(true);
    disposeMap(tensors);
  });

  it('writes mlp_mnistlike.safetensors byte for byte', async () => {
    const { tensors } = readSafetensors(fixture('mlp_mnistlike.safetensors'));
    const out = await writeSafetensors(tensors, { format: 'pt' });
    expect(Buffer.from(out).equals(Buffer.from(fixture('mlp_mnistlike.safetensors')))).toBe(true);
    disposeMap(tensors);
  });

  it('narrows float32 to F16 and BF16 exactly as PyTorch (mixed_f16/mixed_bf16 byte for byte)', async () => {
    const { tensors } = readSafetensors(fixture('mixed.safetensors'));
    for (const [type, file] of [
      ['F16', 'mixed_f16.safetensors'],
      ['BF16', 'mixed_bf16.safetensors'],
    ] as const) {
      const out = await writeSafetensors(
        tensors,
        { format: 'pt' },
        { dtypes: { float32: type, int32: 'I64' } },
      );
      expect(Buffer.from(out).equals(Buffer.from(fixture(file))), file).toBe(true);
    }
    disposeMap(tensors);
  });

  it('writes tiny_all_dtypes byte for byte with a type per tensor', async () => {
    const tiny = fixtureJson<Tiny>('tiny_all_dtypes.json');
    const { tensors, metadata } = readSafetensors(fixture('tiny_all_dtypes.safetensors'));
    const out = await writeSafetensors(tensors, metadata, { dtypes: (name) => tiny.tensors[name].dtype });
    expect(Buffer.from(out).equals(Buffer.from(fixture('tiny_all_dtypes.safetensors')))).toBe(true);
    disposeMap(tensors);
  });

  it('round-trips through loadSafetensors from a path, a Blob and an ArrayBuffer', async () => {
    const t = tensor([[1, -2, 3.5]]);
    const bytes = await writeSafetensors({ w: t, n: tensor(new Int32Array([7])) });
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { writeFileAtomic } = await import('../src/index.js');
    const path = join(await mkdtemp(join(tmpdir(), 'nn-io-')), 'm.safetensors');
    await writeFileAtomic(path, bytes);
    for (const source of [path, new Blob([bytes as Uint8Array<ArrayBuffer>]), bytes.slice().buffer]) {
      const m = await loadSafetensors(source);
      expect([...m.keys()]).toEqual(['w', 'n']);
      expect([...m.get('w')!.dataSync()]).toEqual([1, -2, 3.5]);
      expect(m.get('n')!.dtype).toBe('int32');
      disposeMap(m);
    }
    t.dispose();
  });

  it('range-checks narrowing integer types and refuses impossible ones', async () => {
    const big = tensor(new Int32Array([1, 300]));
    await expect(writeSafetensors({ big }, null, { dtypes: { int32: 'I8' } })).rejects.toThrow(
      /'big' holds 300 at flat index 1, outside the range of I8 \[-128, 127\]/,
    );
    await expect(writeSafetensors({ big }, null, { dtypes: { int32: 'F32' } })).rejects.toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    await expect(writeSafetensors({ big }, { n: 3 } as never)).rejects.toThrow(
      expect.objectContaining({ code: 'bad-metadata' }),
    );
    big.dispose();
  });
});

describe('the unsigned and narrow integer types', () => {
  it('round-trip through U8, U16, U32, U64, I16 and I8, and refuse values outside int32 when read', async () => {
    const v = tensor(new Int32Array([0, 1, 127]));
    for (const type of ['U8', 'U16', 'U32', 'U64', 'I16', 'I8', 'I64'] as const) {
      const bytes = await writeSafetensors({ v }, null, { dtypes: { int32: type } });
      const { tensors } = readSafetensors(bytes);
      expect([...tensors.get('v')!.dataSync()], type).toEqual([0, 1, 127]);
      expect(tensors.get('v')!.dtype, type).toBe('int32');
      disposeMap(tensors);
    }
    // 2^31 as U32 and as U64: beyond int32.
    for (const [type, size] of [
      ['U32', 4],
      ['U64', 8],
    ] as const) {
      const header = new TextEncoder().encode(
        `{"big":{"dtype":"${type}","shape":[1],"data_offsets":[0,${size}]}}`,
      );
      const file = new Uint8Array(8 + header.length + size);
      new DataView(file.buffer).setUint32(0, header.length, true);
      file.set(header, 8);
      file[8 + header.length + 3] = 0x80; // 0x80000000
      expect(() => readSafetensors(file), type).toThrow(
        new RegExp(`'big' is ${type} and holds 2147483648 at flat index 0, outside int32`),
      );
    }
    v.dispose();
  });
});
