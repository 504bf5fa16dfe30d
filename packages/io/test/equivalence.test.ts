import { noGrad } from '@nn/autograd';
import type { AnyModule, Module } from '@nn/layers';
import { memory, type Tensor, tensor, tidy } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, loadTorch } from '../src/index.js';
import { fixture, fixtureJson, flat, useCpu } from './helpers.js';
import { allclose, type JsonTensor, Mixed, mlp } from './models.js';

// A model trained in PyTorch runs in nn with PyTorch's outputs: each reference file loaded
// (strict) into the same architecture written with nn's layers, every stored output reproduced
// at the reference tolerance (rtol 1e-4, atol 1e-5).

beforeAll(useCpu);

interface Submodule {
  inputs: Record<string, JsonTensor>;
  output: JsonTensor | Record<string, JsonTensor>;
}
interface MixedIo {
  submodules: Record<string, Submodule>;
  outputs_with_reduced_precision_weights: Record<'f16' | 'bf16', { output: JsonTensor }>;
}
interface MlpIo {
  inputs: { x: JsonTensor };
  output: JsonTensor;
}

const input = (t: JsonTensor): Tensor =>
  tensor(flat(t.data), { shape: t.shape, dtype: t.dtype.startsWith('int') ? 'int32' : 'float32' });

function expectClose(got: Tensor, want: JsonTensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const worst = allclose(got.dataSync(), flat(want.data));
  expect(worst, `${what}: worst |err| / tol = ${worst}`).toBeLessThanOrEqual(1);
}

async function loaded<M extends Module<never[], unknown>>(model: M, file: string): Promise<M> {
  const sd = file.endsWith('.pt') ? await loadTorch(fixture(file)) : await loadSafetensors(fixture(file));
  const report = model.loadStateDict(sd);
  expect(report).toEqual({ missingKeys: [], unexpectedKeys: [] });
  for (const t of new Set(sd.values())) t.dispose();
  return model.eval();
}

describe('Mixed (Conv2d, BatchNorm2d, MaxPool2d, Linear, Embedding, 2-layer LSTM, LayerNorm) from PyTorch', () => {
  const io = fixtureJson<MixedIo>('mixed_io.json');
  const whole = io.submodules[''];

  for (const file of ['mixed.pt', 'mixed_nested.pt', 'mixed_legacy.pt', 'mixed.safetensors']) {
    it(`${file}: the whole model and every submodule give PyTorch's outputs`, async () => {
      const model = await loaded(new Mixed(), file);
      const before = memory().numTensors;
      tidy(() =>
        noGrad(() => {
          expectClose(
            model.call(input(whole.inputs.image), input(whole.inputs.tokens)),
            whole.output as JsonTensor,
            'model',
          );
          for (const [path, sub] of Object.entries(io.submodules)) {
            if (path === '') continue;
            const m = model.namedModules().find(([n]) => n === path)![1] as AnyModule as unknown as Module;
            const out = m.call(input(sub.inputs.x)) as Tensor | [Tensor, [Tensor, Tensor]];
            if (path === 'lstm') {
              const [y, [h, c]] = out as [Tensor, [Tensor, Tensor]];
              const want = sub.output as Record<string, JsonTensor>;
              expectClose(y, want.output, 'lstm output');
              expectClose(h, want.h_n, 'lstm h_n');
              expectClose(c, want.c_n, 'lstm c_n');
            } else expectClose(out as Tensor, sub.output as JsonTensor, path);
          }
        }),
      );
      expect(memory().numTensors).toBe(before);
    });
  }

  for (const kind of ['f16', 'bf16'] as const) {
    it(`mixed_${kind}.safetensors: PyTorch's output with the half-precision weights`, async () => {
      const model = await loaded(new Mixed(), `mixed_${kind}.safetensors`);
      const want = io.outputs_with_reduced_precision_weights[kind].output;
      tidy(() => {
        expectClose(model.call(input(whole.inputs.image), input(whole.inputs.tokens)), want, kind);
      });
    });
  }
});

describe('MLP 784-64-10 from PyTorch', () => {
  const io = fixtureJson<MlpIo>('mlp_io.json');
  for (const file of ['mlp_mnistlike.pt', 'mlp_mnistlike.safetensors']) {
    it(`${file}: the logits of 8 inputs`, async () => {
      const model = await loaded(mlp(), file);
      tidy(() => {
        expectClose(model.call(input(io.inputs.x)), io.output, 'logits');
      });
    });
  }
});
