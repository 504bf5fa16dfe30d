import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  Dense,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GaussianNoise,
  GELU,
  GRU,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  LSTM,
  MaxPool1d,
  MaxPool2d,
  Module,
  ReLU,
  RNN,
  SELU,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
  Unflatten,
} from '@nn/layers';
import { manualSeed, memory, rand, randn, relu, type Tensor, tensor, tidy, withGradMode } from '@nn/tensor';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, OnnxExportError } from '../src/index.js';
import { useCpu } from './helpers.js';
import { allclose, Mixed } from './models.js';

beforeAll(() => {
  useCpu();
  manualSeed(11);
  ort.env.wasm.numThreads = 1;
});

type Layer = Module<never[], unknown>;
const pool = (m: unknown) => m as Module;

/** Runs ONNX bytes in ONNX Runtime (wasm) on nn tensors; the outputs as flat arrays, in graph order. */
async function runOrt(
  bytes: Uint8Array,
  inputs: Tensor[],
): Promise<{ data: number[]; dims: readonly number[] }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [i, name] of session.inputNames.entries()) {
    const t = inputs[i];
    feeds[name] = new ort.Tensor(t.dtype === 'int32' ? 'int32' : 'float32', t.dataSync() as Float32Array, [
      ...t.shape,
    ]);
  }
  const out = await session.run(feeds);
  await session.release();
  return session.outputNames.map((n) => ({
    data: Array.from(out[n].data as Float32Array),
    dims: out[n].dims,
  }));
}

function flatOut(v: unknown): Tensor[] {
  return Array.isArray(v) ? v.flatMap(flatOut) : [v as Tensor];
}

/**
 * Exports `model` traced on `example`, then runs it in ONNX Runtime on `probe` (another batch
 * size: the batch axis must be dynamic) and compares with nn's eval output at rtol 1e-4.
 */
async function expectSameInOrt(
  model: Layer,
  example: Tensor[],
  probe: Tensor[],
  options: Parameters<typeof exportOnnx>[2] = {},
): Promise<void> {
  const bytes = await exportOnnx(model, example, options);
  model.eval();
  const want = withGradMode(false, () => flatOut((model.call as (...a: Tensor[]) => unknown)(...probe)));
  const got = await runOrt(bytes, probe);
  expect(got.length).toBe(want.length);
  for (const [i, w] of want.entries()) {
    expect([...got[i].dims], `output ${i} shape`).toEqual(w.shape);
    const worst = allclose(got[i].data, [...w.dataSync()]);
    expect(worst, `output ${i}: worst |err| / tol = ${worst}`).toBeLessThanOrEqual(1);
  }
  model.train();
}

/** A BatchNorm whose running statistics are not the initial ones (as after training). */
function trainedNorm<T extends BatchNorm1d | BatchNorm2d>(bn: T): T {
  bn.runningMean!.assign(randn([bn.numFeatures]));
  bn.runningVar!.assign(rand([bn.numFeatures]).add(0.5));
  bn.weight!.assign(rand([bn.numFeatures]).add(0.5));
  bn.bias!.assign(randn([bn.numFeatures]));
  return bn;
}

const CASES: [string, () => Layer, number[], 'float32' | 'int32'][] = [
  ['Linear', () => new Linear(5, 4), [5], 'float32'],
  ['Linear over [B, T, F]', () => new Linear(5, 4), [3, 5], 'float32'],
  ['Linear without bias', () => new Linear(5, 4, { bias: false }), [5], 'float32'],
  ['Dense with tanh', () => new Dense(5, 4, { activation: 'tanh' }), [5], 'float32'],
  ['Conv1d stride 2, padding 1', () => new Conv1d(3, 4, 3, { stride: 2, padding: 1 }), [3, 10], 'float32'],
  [
    'Conv2d padding [1,2], dilation 2',
    () => new Conv2d(3, 4, 3, { padding: [1, 2], dilation: 2 }),
    [3, 9, 9],
    'float32',
  ],
  [
    'Conv2d groups 2, no bias',
    () => new Conv2d(4, 6, [3, 2], { groups: 2, bias: false }),
    [4, 6, 5],
    'float32',
  ],
  ['Conv3d', () => new Conv3d(2, 3, 2, { stride: [1, 2, 1] }), [2, 4, 5, 4], 'float32'],
  ['MaxPool1d', () => pool(new MaxPool1d(3, { stride: 2 })), [3, 10], 'float32'],
  [
    'MaxPool2d stride 2, padding 1',
    () => pool(new MaxPool2d(3, { stride: 2, padding: 1 })),
    [3, 7, 7],
    'float32',
  ],
  ['MaxPool2d ceilMode', () => pool(new MaxPool2d(2, { ceilMode: true })), [3, 7, 5], 'float32'],
  ['AvgPool2d counting the padding', () => new AvgPool2d(3, { stride: 2, padding: 1 }), [3, 7, 7], 'float32'],
  [
    'AvgPool2d not counting the padding',
    () => new AvgPool2d(3, { padding: 1, countIncludePad: false }),
    [3, 6, 6],
    'float32',
  ],
  ['AdaptiveAvgPool2d(1)', () => new AdaptiveAvgPool2d(1), [3, 5, 6], 'float32'],
  ['AdaptiveAvgPool2d([3, 2]) over 7×5', () => new AdaptiveAvgPool2d([3, 2]), [3, 7, 5], 'float32'],
  ['BatchNorm1d over [B, C]', () => trainedNorm(new BatchNorm1d(4)), [4], 'float32'],
  ['BatchNorm1d over [B, C, L]', () => trainedNorm(new BatchNorm1d(4)), [4, 6], 'float32'],
  ['BatchNorm2d', () => trainedNorm(new BatchNorm2d(3)), [3, 5, 5], 'float32'],
  ['BatchNorm2d without affine', () => new BatchNorm2d(3, { affine: false }), [3, 4, 4], 'float32'],
  ['LayerNorm over two dims', () => new LayerNorm([4, 5]), [3, 4, 5], 'float32'],
  ['LayerNorm without affine', () => new LayerNorm(6, { elementwiseAffine: false }), [6], 'float32'],
  [
    'Dropout (eval) between Linears',
    () => new Sequential(new Linear(5, 8), new Dropout(0.5), new Linear(8, 2)),
    [5],
    'float32',
  ],
  ['GaussianNoise (eval)', () => new Sequential(new GaussianNoise(0.3), new Linear(5, 2)), [5], 'float32'],
  ['Flatten', () => new Flatten(), [3, 4, 5], 'float32'],
  ['Flatten(2)', () => new Flatten(2), [3, 4, 5], 'float32'],
  ['Flatten(0)', () => new Flatten(0), [3, 4], 'float32'],
  ['Unflatten', () => new Unflatten(1, [2, 3]), [6], 'float32'],
  ['Embedding', () => new Embedding(10, 4), [5], 'int32'],
  [
    'RNN tanh, 2 layers, batchFirst',
    () => new RNN(4, 5, { numLayers: 2, batchFirst: true }),
    [6, 4],
    'float32',
  ],
  [
    'RNN relu, bidirectional',
    () => new RNN(4, 5, { nonlinearity: 'relu', bidirectional: true, batchFirst: true }),
    [6, 4],
    'float32',
  ],
  ['LSTM, 2 layers, batchFirst', () => new LSTM(4, 5, { numLayers: 2, batchFirst: true }), [6, 4], 'float32'],
  [
    'LSTM bidirectional, 2 layers, no bias',
    () => new LSTM(3, 4, { numLayers: 2, bidirectional: true, bias: false, batchFirst: true }),
    [5, 3],
    'float32',
  ],
  ['GRU, batchFirst', () => new GRU(4, 5, { batchFirst: true }), [6, 4], 'float32'],
  [
    'GRU bidirectional, 2 layers',
    () => new GRU(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
    [5, 3],
    'float32',
  ],
  ['ReLU', () => new ReLU(), [7], 'float32'],
  ['LeakyReLU', () => new LeakyReLU(0.2), [7], 'float32'],
  ['ELU', () => new ELU(0.7), [7], 'float32'],
  ['SELU', () => new SELU(), [7], 'float32'],
  ['GELU', () => new GELU(), [7], 'float32'],
  ['GELU tanh', () => new GELU({ approximate: 'tanh' }), [7], 'float32'],
  ['Sigmoid', () => new Sigmoid(), [7], 'float32'],
  ['Tanh', () => new Tanh(), [7], 'float32'],
  ['SiLU', () => new SiLU(), [7], 'float32'],
  ['Softplus beta 2, threshold 5', () => new Softplus({ beta: 2, threshold: 5 }), [7], 'float32'],
  ['Softplus', () => new Softplus(), [7], 'float32'],
  ['Softmax(dim 1)', () => new Softmax({ dim: 1 }), [4, 3], 'float32'],
  ['LogSoftmax', () => new LogSoftmax(), [7], 'float32'],
  ['Identity in a Sequential', () => new Sequential(new Identity(), new Linear(3, 2)), [3], 'float32'],
];

const sample = (shape: number[], dtype: 'float32' | 'int32'): Tensor =>
  dtype === 'int32'
    ? tensor(
        Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 7) % 10),
        { shape },
      )
    : randn(shape).mul(3);

describe('exportOnnx: each layer runs in ONNX Runtime as in nn (traced at batch 2, run at batch 3)', () => {
  for (const [name, make, shape, dtype] of CASES) {
    it(name, async () => {
      const model = make();
      await expectSameInOrt(model, [sample([2, ...shape], dtype)], [sample([3, ...shape], dtype)]);
    });
  }

  it('RNN and GRU with the sequence first: the batch is axis 1 (dynamicAxes)', async () => {
    for (const model of [new RNN(4, 5, { numLayers: 2 }), new GRU(4, 3)]) {
      await expectSameInOrt(model as Layer, [randn([6, 2, 4])], [randn([6, 3, 4])], { dynamicAxes: [1] });
    }
  });

  it('LSTM with initial states given, and an unbatched sequence', async () => {
    class WithState extends Module<[Tensor, Tensor, Tensor], unknown> {
      lstm = new LSTM(3, 4, { numLayers: 2, batchFirst: true });
      forward(x: Tensor, h: Tensor, c: Tensor) {
        return this.lstm.call(x, [h, c]);
      }
    }
    const m = new WithState() as unknown as Layer;
    const args = (b: number) => [randn([b, 5, 3]), randn([2, b, 4]), randn([2, b, 4])];
    await expectSameInOrt(m, args(2), args(3), { dynamicAxes: [[0], [1], [1]] });
    const lstm = new LSTM(3, 4, { numLayers: 2 });
    await expectSameInOrt(lstm as unknown as Layer, [randn([5, 3])], [randn([5, 3])], { dynamicAxes: [] });
  });

  it("the demo's CNN, batch 1 and batch 64 from one export", async () => {
    const cnn = demoCnn();
    const bytes = await exportOnnx(cnn, randn([1, 1, 28, 28]), { opset: 17 });
    cnn.eval();
    for (const b of [1, 64]) {
      const x = rand([b, 1, 28, 28]);
      const want = withGradMode(false, () => cnn.call(x));
      const [got] = await runOrt(bytes, [x]);
      expect([...got.dims]).toEqual([b, 10]);
      expect(allclose(got.data, [...want.dataSync()])).toBeLessThanOrEqual(1);
    }
  });
});

function demoCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 5),
    new ReLU(),
    pool(new MaxPool2d(2)),
    new Conv2d(8, 16, 5),
    new ReLU(),
    pool(new MaxPool2d(2)),
    new Flatten(),
    new Linear(16 * 4 * 4, 64),
    new ReLU(),
    new Linear(64, 10),
  );
}

describe('exportOnnx: what it cannot express is a typed error naming it', () => {
  it('a module computing with tensor functions', async () => {
    class Custom extends Module {
      fc = new Linear(3, 3);
      forward(x: Tensor) {
        return relu(this.fc.call(x)).mul(2);
      }
    }
    const m = new Sequential(new Linear(3, 3), new Custom());
    await expect(exportOnnx(m, randn([2, 3]))).rejects.toThrow(OnnxExportError);
    await expect(exportOnnx(m, randn([2, 3]))).rejects.toThrow(
      /'1' \(Custom\) computes with tensor operations outside the layers/,
    );
  });

  it('a layer fed by tensor functions in its parent (the Mixed model flattens with a function)', async () => {
    const m = new Mixed();
    await expect(
      exportOnnx(m as unknown as Layer, [
        randn([1, 3, 8, 8]),
        tensor(new Int32Array([1, 2]), { shape: [1, 2] }),
      ]),
    ).rejects.toThrow(
      /the input of 'fc' \(Linear\) was computed in the forward of 'Mixed' with tensor operations/,
    );
  });

  it('options ONNX has no equivalent for', async () => {
    await expect(
      exportOnnx(pool(new MaxPool2d(2, { returnIndices: true })), randn([1, 1, 4, 4])),
    ).rejects.toThrow(/returns indices/);
    await expect(
      exportOnnx(new BatchNorm2d(3, { trackRunningStats: false }), randn([2, 3, 4, 4])),
    ).rejects.toThrow(/keeps no running statistics/);
    await expect(exportOnnx(new Linear(2, 2), randn([1, 2]), { opset: 18 })).rejects.toThrow(
      /opset 18 is not supported/,
    );
  });

  it('leaves the module as it was: modes restored, no tensor leaked, forward untouched', async () => {
    // Fails in the BatchNorm (channels in dim 1 are 3, not 4) after the Linear made its derived weight.
    const m = new Sequential(new Linear(4, 4), new BatchNorm1d(4), new LSTM(4, 2) as unknown as Module);
    const ok = new Sequential(new Linear(4, 4), new Dropout(), new LSTM(4, 2) as unknown as Module);
    const x = randn([2, 3, 4]);
    const before = memory().numTensors;
    await expect(exportOnnx(m, x)).rejects.toThrow(/BatchNorm1d/);
    await exportOnnx(ok, x);
    expect(memory().numTensors).toBe(before);
    x.dispose();
    expect(m.training).toBe(true);
    expect(m.modules().every((mm) => mm.training)).toBe(true);
    expect(m.modules().every((mm) => !Object.hasOwn(mm, 'forward'))).toBe(true);
    tidy(() => m.call(randn([2, 4])));
  });
});
