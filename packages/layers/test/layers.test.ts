import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { DTypeError, manualSeed, randn, ShapeError, type Tensor, tensor, use, ValueError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d,
  type AnyModule,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  Dense,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GaussianNoise,
  GELU,
  GRU,
  GroupNorm,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  LSTM,
  MaxPool1d,
  MaxPool2d,
  PixelShuffle,
  PixelUnshuffle,
  RNN,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
  Unflatten,
  Upsample,
} from '../src/index.js';
import { gradcheckModule } from './helpers/check.js';

// Registered at load time: the state-dict tests are listed from the layers' own state dicts.
use(cpu());
installAutograd();
manualSeed(3);

const f64 = { dtype: 'float64' as const };
const x = (shape: number[]): Tensor => randn(shape, { requiresGrad: true });

interface LayerCase {
  name: string;
  make: () => AnyModule;
  inputs: () => Tensor[];
  call?: (m: AnyModule, xs: Tensor[]) => Tensor | Tensor[];
}

// biome-ignore lint/suspicious/noExplicitAny: calls modules of any forward signature
const run = (m: AnyModule, xs: Tensor[]): any =>
  (m as unknown as { call: (...a: Tensor[]) => unknown }).call(...xs);
const flatOut = (out: unknown): Tensor[] => (Array.isArray(out) ? out.flat(2) : [out]) as Tensor[];

const CASES: LayerCase[] = [
  { name: 'Linear', make: () => new Linear(4, 3) as never, inputs: () => [x([2, 4])] },
  {
    name: 'Dense(tanh)',
    make: () => new Dense(4, 3, { activation: 'tanh' }) as never,
    inputs: () => [x([2, 4])],
  },
  {
    name: 'Conv1d',
    make: () => new Conv1d(2, 3, 3, { padding: 1, stride: 2 }) as never,
    inputs: () => [x([2, 2, 5])],
  },
  {
    name: 'Conv2d',
    make: () => new Conv2d(4, 2, 3, { padding: 1, groups: 2 }) as never,
    inputs: () => [x([1, 4, 4, 4])],
  },
  { name: 'Conv3d', make: () => new Conv3d(1, 2, 2) as never, inputs: () => [x([1, 1, 3, 3, 3])] },
  {
    name: "Conv2d padding 'same'",
    make: () => new Conv2d(2, 3, [2, 3], { padding: 'same', dilation: [2, 1] }) as never,
    inputs: () => [x([1, 2, 4, 5])],
  },
  {
    name: 'ConvTranspose1d',
    make: () => new ConvTranspose1d(4, 2, 3, { stride: 2, outputPadding: 1, groups: 2 }) as never,
    inputs: () => [x([2, 4, 3])],
  },
  {
    name: 'ConvTranspose2d',
    make: () => new ConvTranspose2d(2, 3, [3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2] }) as never,
    inputs: () => [x([1, 2, 3, 3])],
  },
  {
    name: 'ConvTranspose3d',
    make: () => new ConvTranspose3d(1, 2, 2, { stride: 2, bias: false }) as never,
    inputs: () => [x([1, 1, 2, 2, 2])],
  },
  { name: 'GroupNorm', make: () => new GroupNorm(2, 4, f64) as never, inputs: () => [x([2, 4, 3])] },
  {
    name: 'Upsample(bilinear)',
    make: () => new Upsample({ scaleFactor: 1.5, mode: 'bilinear' }) as never,
    inputs: () => [x([1, 2, 3, 3])],
  },
  {
    name: 'Upsample(nearest)',
    make: () => new Upsample({ size: [5, 4] }) as never,
    inputs: () => [x([1, 1, 3, 2])],
  },
  { name: 'PixelShuffle', make: () => new PixelShuffle(2) as never, inputs: () => [x([1, 8, 2, 2])] },
  { name: 'PixelUnshuffle', make: () => new PixelUnshuffle(2) as never, inputs: () => [x([1, 2, 4, 2])] },
  { name: 'MaxPool1d', make: () => new MaxPool1d(2) as never, inputs: () => [x([1, 2, 6])] },
  { name: 'MaxPool2d', make: () => new MaxPool2d(2) as never, inputs: () => [x([1, 2, 4, 4])] },
  {
    name: 'AvgPool2d',
    make: () => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }) as never,
    inputs: () => [x([1, 2, 5, 5])],
  },
  {
    name: 'AdaptiveAvgPool2d',
    make: () => new AdaptiveAvgPool2d([2, 3]) as never,
    inputs: () => [x([1, 2, 5, 7])],
  },
  { name: 'Flatten', make: () => new Flatten() as never, inputs: () => [x([2, 3, 2])] },
  { name: 'Unflatten', make: () => new Unflatten(1, [2, 3]) as never, inputs: () => [x([2, 6])] },
  { name: 'BatchNorm1d', make: () => new BatchNorm1d(3, f64) as never, inputs: () => [x([4, 3])] },
  { name: 'BatchNorm2d', make: () => new BatchNorm2d(2, f64) as never, inputs: () => [x([2, 2, 3, 3])] },
  { name: 'LayerNorm', make: () => new LayerNorm([3, 4]) as never, inputs: () => [x([2, 3, 4])] },
  {
    name: 'Embedding',
    // Without paddingIdx: its row's gradient is zero by design, which finite differences do not see.
    make: () => new Embedding(5, 3) as never,
    inputs: () => [tensor(new Int32Array([0, 2, 4, 2]), { shape: [2, 2] })],
  },
  {
    name: 'RNN',
    make: () => new RNN(3, 4, { numLayers: 2, bidirectional: true }) as never,
    inputs: () => [x([3, 2, 3]), x([4, 2, 4])],
    call: (m, xs) => flatOut(run(m, xs)),
  },
  {
    name: 'LSTM',
    make: () => new LSTM(3, 2, { batchFirst: true }) as never,
    inputs: () => [x([2, 3, 3]), x([1, 2, 2]), x([1, 2, 2])],
    call: (m, [a, h, c]) => flatOut(run(m, [a, [h, c] as never])),
  },
  {
    name: 'GRU',
    make: () => new GRU(3, 2, { numLayers: 2 }) as never,
    inputs: () => [x([3, 2, 3])],
    call: (m, xs) => flatOut(run(m, xs)),
  },
  { name: 'LeakyReLU', make: () => new LeakyReLU(0.2) as never, inputs: () => [x([3, 4])] },
  { name: 'ELU', make: () => new ELU(0.5) as never, inputs: () => [x([3, 4])] },
  { name: 'SELU', make: () => new SELU() as never, inputs: () => [x([3, 4])] },
  { name: 'GELU(tanh)', make: () => new GELU({ approximate: 'tanh' }) as never, inputs: () => [x([3, 4])] },
  { name: 'Sigmoid', make: () => new Sigmoid() as never, inputs: () => [x([3, 4])] },
  { name: 'Tanh', make: () => new Tanh() as never, inputs: () => [x([3, 4])] },
  { name: 'SiLU', make: () => new SiLU() as never, inputs: () => [x([3, 4])] },
  { name: 'Softplus', make: () => new Softplus({ beta: 2 }) as never, inputs: () => [x([3, 4])] },
  { name: 'Softmax', make: () => new Softmax({ dim: 0 }) as never, inputs: () => [x([3, 4])] },
  { name: 'LogSoftmax', make: () => new LogSoftmax({ dim: 1 }) as never, inputs: () => [x([3, 4])] },
  { name: 'Dropout(eval)', make: () => new Dropout(0.3).eval() as never, inputs: () => [x([3, 4])] },
];

// Central differences re-run a recurrent layer hundreds of times: seconds on a loaded machine, so
// these cases get more than vitest's default 5 s (a limit here would be a timing assertion).
describe('gradcheck of every layer (inputs and parameters)', () => {
  for (const c of CASES) {
    it(c.name, { timeout: 60_000 }, async () => {
      const m = c.make();
      const r = await gradcheckModule(m, c.inputs(), (xs) => (c.call ? c.call(m, xs) : run(m, xs)));
      expect(r.ok, r.message).toBe(true);
    });
  }
});

describe('state dicts, layer by layer', () => {
  const withState = CASES.filter((c) => c.make().stateDict() && Object.keys(c.make().stateDict()).length > 0);
  it('covers every layer with parameters or buffers', () => {
    expect(withState.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'Linear',
        'Conv1d',
        'Conv2d',
        'Conv3d',
        'ConvTranspose1d',
        'ConvTranspose2d',
        'ConvTranspose3d',
        'GroupNorm',
        'BatchNorm1d',
        'BatchNorm2d',
        'LayerNorm',
        'Embedding',
        'RNN',
        'LSTM',
        'GRU',
      ]),
    );
  });
  for (const c of withState) {
    it(`${c.name}: round-trips, and a bad state dict changes nothing`, async () => {
      const a = c.make();
      const b = c.make();
      const sd = a.stateDict();
      b.loadStateDict(sd);
      for (const [k, v] of Object.entries(b.stateDict())) {
        expect(Array.from(await v.data()), k).toEqual(Array.from(await sd[k].data()));
      }
      const before = await snapshot(b);
      const keys = Object.keys(sd);
      const first = keys[0];
      const wrongShape = {
        ...sd,
        [first]: randn([7, 1], { dtype: sd[first].dtype === 'int32' ? 'float32' : sd[first].dtype }),
      };
      expect(() => b.loadStateDict(wrongShape)).toThrow(ShapeError);
      const missing = { ...sd };
      delete missing[keys[keys.length - 1]];
      expect(() => b.loadStateDict(missing)).toThrow(/missing keys/);
      expect(() => b.loadStateDict({ ...sd, extra: randn([1]) })).toThrow(/unexpected keys: extra/);
      // A bad last key must not leave the earlier keys loaded.
      const otherValues = c.make().stateDict();
      const last = keys[keys.length - 1];
      const badLast = { ...otherValues, [last]: randn([9, 9, 9]) };
      expect(() => b.loadStateDict(badLast)).toThrow(ShapeError);
      expect(await snapshot(b)).toEqual(before);
      const partial = b.loadStateDict({ [first]: otherValues[first] }, { strict: false });
      expect(partial.missingKeys.length).toBe(keys.length - 1);
    });
  }
});

async function snapshot(m: AnyModule): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(m.stateDict())) out[k] = Array.from(await v.data());
  return out;
}

describe('layer behaviour', () => {
  it('Linear and Conv2d follow PyTorch layouts and default init bounds', async () => {
    const lin = new Linear(16, 5);
    expect(lin.weight.shape).toEqual([5, 16]);
    const w = await lin.weight.data();
    expect(Math.max(...Array.from(w, Math.abs))).toBeLessThanOrEqual(1 / 4);
    const conv = new Conv2d(3, 8, [3, 5], { groups: 1 });
    expect(conv.weight.shape).toEqual([8, 3, 3, 5]);
    expect(Math.max(...Array.from(await conv.bias!.data(), Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(45));
    expect(new Linear(3, 2, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('RNN parameters carry PyTorch names and shapes', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const names = Object.fromEntries(lstm.namedParameters().map(([n, p]) => [n, p.shape]));
    expect(names.weight_ih_l0).toEqual([16, 3]);
    expect(names.weight_ih_l1).toEqual([16, 8]);
    expect(names.bias_hh_l1_reverse).toEqual([16]);
    expect(Object.keys(names).length).toBe(16);
    const [out, [h, c]] = lstm.call(randn([5, 2, 3]));
    expect(out.shape).toEqual([5, 2, 8]);
    expect(h.shape).toEqual([4, 2, 4]);
    expect(c.shape).toEqual([4, 2, 4]);
    const gru = new GRU(3, 4, { batchFirst: true });
    const [o2, h2] = gru.call(randn([2, 5, 3]));
    expect(o2.shape).toEqual([2, 5, 4]);
    expect(h2.shape).toEqual([1, 2, 4]);
    const [o3, h3] = new RNN(3, 4).call(randn([5, 3]));
    expect(o3.shape).toEqual([5, 4]);
    expect(h3.shape).toEqual([1, 4]);
    expect(() => gru.call(randn([2, 5, 3]), randn([2, 2, 4]))).toThrow(ShapeError);
  });

  it('BatchNorm updates running statistics in training only', async () => {
    const bn = new BatchNorm1d(2);
    bn.call(
      tensor([
        [1, 2],
        [3, 6],
      ]),
    );
    expect(Array.from(await bn.runningMean!.data()).map((v) => +v.toFixed(5))).toEqual([0.2, 0.4]);
    expect(await bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    const before = Array.from(await bn.runningMean!.data());
    bn.call(
      tensor([
        [10, 20],
        [30, 60],
      ]),
    );
    expect(Array.from(await bn.runningMean!.data())).toEqual(before);
    expect(() => bn.call(randn([2, 3]))).toThrow(ShapeError);
    // momentum null: a cumulative average of the batch means.
    const cum = new BatchNorm1d(1, { momentum: null });
    cum.call(tensor([[1], [3]]));
    cum.call(tensor([[5], [7]]));
    expect(await cum.runningMean!.item()).toBeCloseTo(4, 5);
  });

  it('Embedding zeroes the padding row and gives it no gradient', async () => {
    const e = new Embedding(4, 2, { paddingIdx: 1 });
    expect(Array.from(await e.weight.data()).slice(2, 4)).toEqual([0, 0]);
    const y = e.call(tensor(new Int32Array([1, 2, 1])));
    y.sum().backward();
    expect(Array.from(await e.weight.grad!.data())).toEqual([0, 0, 0, 0, 1, 1, 0, 0]);
  });

  it('Dropout and noise act in training only', async () => {
    const input = tensor([[1, 2, 3, 4]]);
    const d = new Dropout(0.5);
    const yt = Array.from(await d.call(input).data());
    expect(yt.every((v, i) => v === 0 || v === 2 * (i + 1))).toBe(true);
    d.eval();
    expect(Array.from(await d.call(input).data())).toEqual([1, 2, 3, 4]);
    const g = new GaussianNoise(0.1);
    expect(Array.from(await g.call(input).data())).not.toEqual([1, 2, 3, 4]);
    g.eval();
    expect(Array.from(await g.call(input).data())).toEqual([1, 2, 3, 4]);
    expect(() => new Dropout(1.5)).toThrow(ValueError);
  });

  it('MaxPool2d returns values and indices with returnIndices', async () => {
    const { values, indices } = new MaxPool2d(2, { returnIndices: true }).call(
      tensor([
        [
          [
            [1, 5],
            [3, 2],
          ],
        ],
      ]),
    );
    expect(Array.from(await values.data())).toEqual([5]);
    expect(Array.from(await indices.data())).toEqual([1]);
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => new Linear(0, 3)).toThrow(ValueError);
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new Linear(4, 3).call(randn([2, 5]))).toThrow(ShapeError);
    expect(() => new Conv2d(3, 4, 3).call(randn([1, 2, 5, 5]))).toThrow(ShapeError);
    expect(() => new Embedding(4, 2).call(tensor([0, 1]))).toThrow(DTypeError);
    expect(() => new Dense(2, 2, { activation: 'swish' as never })).toThrow(/unknown activation/);
  });
});
