import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import {
  DTypeError,
  listBackends,
  memory,
  randn,
  registerBackend,
  ShapeError,
  tensor,
  use,
  ValueError,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm1d, Linear, Module, Sequential } from '../src/index.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
  if (!listBackends().includes('cpu3')) registerBackend(cpu({ name: 'cpu3' }));
});

class Net extends Module {
  fc = new Linear(3, 2);
  bn = new BatchNorm1d(2);
  forward(x: Parameters<Linear['forward']>[0]) {
    return this.bn.call(this.fc.call(x));
  }
}

async function values(m: Module): Promise<Record<string, number[]>> {
  const sd = m.stateDict();
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(sd)) {
    out[k] = Array.from(await v.data());
    v.dispose();
  }
  return out;
}

function disposeAll(sd: Record<string, { dispose(): void }>): void {
  for (const t of Object.values(sd)) t.dispose();
}

describe('Module.loadStateDict', () => {
  it('leaves no tensor behind: only the dict the caller made stays alive', () => {
    const a = new Net();
    const b = new Net();
    const sd = a.stateDict();
    const before = memory().numTensors;
    for (let i = 0; i < 5; i++) b.loadStateDict(sd);
    expect(memory().numTensors).toBe(before);
    // Conversions (another backend, int32 from float64 data) are freed too.
    const other = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.to('cpu3')]));
    const mid = memory().numTensors;
    b.loadStateDict(other);
    expect(memory().numTensors).toBe(mid);
    disposeAll(other);
    disposeAll(sd);
  });

  it('takes a Map, copies the values, and the dict stays the caller’s to dispose', async () => {
    const a = new Net();
    const b = new Net();
    const sd = a.stateDict();
    b.loadStateDict(new Map(Object.entries(sd)));
    disposeAll(sd);
    expect(await values(b)).toEqual(await values(a));
  });

  it('remaps keys with [RegExp, replacement] pairs or a function', async () => {
    const a = new Net();
    const sd = a.stateDict();
    const prefixed = Object.fromEntries(Object.entries(sd).map(([k, v]) => [`model.${k}`, v]));
    const b = new Net();
    const r = b.loadStateDict(prefixed, { remap: [[/^model\./, '']] });
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(await values(b)).toEqual(await values(a));
    const c = new Net();
    const dropped = c.loadStateDict(prefixed, {
      strict: false,
      remap: (k) => (k.includes('bn.') ? null : k.slice('model.'.length)),
    });
    expect(dropped.missingKeys).toEqual([
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
    ]);
    expect(() => c.loadStateDict(prefixed, { remap: () => 'same' })).toThrow(
      /remap sends both 'model.fc.weight' and 'model.fc.bias' to 'same'/,
    );
    expect(() => c.loadStateDict(prefixed, { remap: [['model.', '']] as never })).toThrow(ValueError);
    disposeAll(sd);
  });

  it('strict: reports every problem in one error and changes nothing', async () => {
    const b = new Net();
    const before = await values(b);
    const sd = new Net().stateDict();
    const bad = { ...sd, 'fc.weight': randn([3, 3]), extra: randn([1]) };
    delete (bad as Record<string, unknown>)['bn.bias'];
    const n = memory().numTensors;
    expect(() => b.loadStateDict(bad)).toThrow(ValueError);
    expect(() => b.loadStateDict(bad)).toThrow(
      "loadStateDict: the state dict does not match the module (missing keys: bn.bias; unexpected keys: extra; 'fc.weight' has shape [3,3] (float32), the module expects [2,3] (float32)). To load the rest, leave the mis-shaped keys out (a remap function returning null drops a key)",
    );
    expect(memory().numTensors).toBe(n);
    expect(await values(b)).toEqual(before);
    expect(() => b.loadStateDict({ ...sd, 'fc.bias': randn([5]) })).toThrow(ShapeError);
    expect(() => b.loadStateDict({ ...sd, 'bn.num_batches_tracked': tensor(2.5) })).toThrow(DTypeError);
    expect(await values(b)).toEqual(before);
    disposeAll(sd);
  });

  it('not strict: a mis-shaped key still throws, as in PyTorch, and changes nothing', async () => {
    const body = new Sequential(new Linear(4, 8), new Linear(8, 10));
    const sd = body.stateDict();
    const fresh = new Sequential(new Linear(4, 8), new Linear(8, 3));
    const before = await values(fresh);
    const n = memory().numTensors;
    expect(() => fresh.loadStateDict(sd, { strict: false })).toThrow(ShapeError);
    expect(() => fresh.loadStateDict(sd, { strict: false })).toThrow(
      "'1.weight' has shape [10,8] (float32), the module expects [3,8] (float32); '1.bias' has shape [10] (float32), the module expects [3] (float32)). To load the rest",
    );
    expect(memory().numTensors).toBe(n);
    expect(await values(fresh)).toEqual(before);
    disposeAll(sd);
  });

  it('not strict: a new head on a trained body, the old head dropped by remap', async () => {
    const body = new Sequential(new Linear(4, 8), new Linear(8, 10));
    const sd = body.stateDict();
    const fresh = new Sequential(new Linear(4, 8), new Linear(8, 3));
    const r = fresh.loadStateDict(sd, { strict: false, remap: (k) => (k.startsWith('1.') ? null : k) });
    expect(r).toEqual({ missingKeys: ['1.weight', '1.bias'], unexpectedKeys: [] });
    expect(Array.from(await fresh.at(0).stateDict().weight.data())).toEqual(
      Array.from(await sd['0.weight'].data()),
    );
    disposeAll(sd);
  });
});
