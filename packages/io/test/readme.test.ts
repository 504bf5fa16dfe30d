import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conv2d, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from '@nn/layers';
import { randn, ShapeError } from '@nn/tensor';
import { beforeAll, expect, it } from 'vitest';
import {
  exportOnnx,
  loadModel,
  loadSafetensors,
  loadTorch,
  readSafetensors,
  readTorch,
  saveModel,
  writeFileAtomic,
  writeSafetensors,
} from '../src/index.js';
import { FIXTURES, useCpu } from './helpers.js';
import { Mixed } from './models.js';

beforeAll(useCpu);

// The README's examples, kept runnable (in a temporary folder instead of out/).
it('README: safetensors out and in, with the report and the metadata', async () => {
  const out = await mkdtemp(join(tmpdir(), 'nn-io-readme-'));
  const model = new Sequential(new Linear(784, 64), new ReLU(), new Linear(64, 10));
  const sd = model.stateDict();
  const bytes = await writeSafetensors(sd, { format: 'pt' });
  await writeFileAtomic(join(out, 'mlp.safetensors'), bytes);
  const weights = await loadSafetensors(join(out, 'mlp.safetensors'));
  const report = model.loadStateDict(weights);
  expect(report).toEqual({ missingKeys: [], unexpectedKeys: [] });
  const { tensors, metadata } = readSafetensors(bytes);
  expect(metadata).toEqual({ format: 'pt' });
  expect([...tensors.keys()].sort()).toEqual(Object.keys(sd).sort());

  const prefixed = new Map([...weights].map(([k, v]) => [`model.${k}`, v]));
  const withNewHead = new Sequential(new Linear(784, 64), new ReLU(), new Linear(64, 3));
  expect(() => withNewHead.loadStateDict(prefixed, { strict: false, remap: [[/^model\./, '']] })).toThrow(
    ShapeError,
  );
  const r = withNewHead.loadStateDict(prefixed, {
    strict: false,
    remap: (k) => (k.startsWith('model.2.') ? null : k.replace(/^model\./, '')),
  });
  expect(r.missingKeys).toEqual(['2.weight', '2.bias']);
  for (const m of [sd, Object.fromEntries(weights), Object.fromEntries(tensors)])
    for (const t of Object.values(m)) t.dispose();
});

it('README: PyTorch checkpoints into a model, by key, and whole', async () => {
  const model = new Mixed();
  expect(model.loadStateDict(await loadTorch(join(FIXTURES, 'mixed.pt')))).toEqual({
    missingKeys: [],
    unexpectedKeys: [],
  });
  const sd = await loadTorch(join(FIXTURES, 'mixed_nested.pt'), { key: 'model_state_dict' });
  expect(sd.size).toBe(22);
  const ckpt = (await readTorch(join(FIXTURES, 'mixed_nested.pt'))) as Map<string, unknown>;
  expect(ckpt.get('epoch')).toBe(3);
  for (const t of sd.values()) t.dispose();
});

it('README: ONNX export of a small CNN runs in ONNX Runtime', async () => {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const cnn = new Sequential(
    new Conv2d(1, 8, 5),
    new ReLU(),
    new MaxPool2d(2) as unknown as Module,
    new Flatten(),
    new Linear(8 * 12 * 12, 10),
  );
  const onnx = await exportOnnx(cnn, randn([1, 1, 28, 28]), { opset: 17 });
  const out = await mkdtemp(join(tmpdir(), 'nn-io-readme-'));
  await writeFileAtomic(join(out, 'cnn.onnx'), onnx);
  const pixels = new Float32Array(64 * 28 * 28).fill(0.5);
  const session = await ort.InferenceSession.create(onnx);
  const { output } = await session.run({ input: new ort.Tensor('float32', pixels, [64, 1, 28, 28]) });
  expect(output.dims).toEqual([64, 10]);
});

it('README: saveModel / loadModel (the Node path; IndexedDB and downloads run in test/browser)', async () => {
  const build = (c: { hidden: number }) =>
    new Sequential(new Linear(784, c.hidden), new ReLU(), new Linear(c.hidden, 10));
  const model = build({ hidden: 64 });
  const out = await mkdtemp(join(tmpdir(), 'nn-io-readme-'));
  await saveModel(model, join(out, 'mnist-mlp.safetensors'), { config: { hidden: 64 } });
  const { config, tensors } = await loadModel(join(out, 'mnist-mlp.safetensors'));
  const again = build(config as { hidden: number });
  expect(again.loadStateDict(tensors).missingKeys).toEqual([]);
  for (const t of tensors.values()) t.dispose();
});
