/**
 * Lines a PyTorch user writes with layers, each of which used to run and do something else
 * silently: `model.to(...)` replaced the parameters (an optimizer built before kept the old,
 * freed ones), `new Linear(4, 2, { use_bias: false })` kept its bias, `new Softmax(1)` took the
 * last dim. Run on every backend a model can move to.
 */
import { installAutograd } from '@nn/autograd';
import { getBackend, memory, type Tensor, tensor, UnknownOptionError, use } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, testBackends } from '../../../vitest.backends.js';
import { BatchNorm1d, Dense, Linear, ReLU, Sequential, Softmax } from '../src/index.js';

const found = await testBackends();

await describeEachBackend('model.to(backend) moves parameters in place', (target) => {
  it(`keeps every Parameter object, with its values and gradient, when moving cpu -> ${target}`, async () => {
    installAutograd();
    const cpu = found.find((b) => b.name === 'cpu')?.backend;
    if (!cpu) throw new Error('cpu backend missing');
    use(cpu);
    const model = new Sequential(new Linear(3, 4), new ReLU(), new BatchNorm1d(4), new Linear(4, 2));
    const params = model.parameters();
    const before = await Promise.all(params.map(async (p) => Array.from(await p.data())));
    const x = (): Tensor =>
      tensor([
        [1, 2, 3],
        [-1, 0, 2],
      ]);
    model.call(x()).sum().backward();
    const grads = await Promise.all(params.map(async (p) => Array.from(await p.grad!.data())));
    const buffers = model.buffers();

    model.to(target);

    const after = model.parameters();
    expect(after).toHaveLength(params.length);
    after.forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.backendName).toBe(target);
      expect(p.requiresGrad).toBe(true);
      expect(p.isDisposed).toBe(false);
      expect(p.grad?.backendName).toBe(target);
    });
    model.buffers().forEach((b, i) => {
      expect(b).toBe(buffers[i]);
      expect(b.backendName).toBe(target);
    });
    for (const [i, p] of after.entries()) {
      expect(Array.from(await p.data())).toEqual(before[i]);
      expect(Array.from(await p.grad!.data())).toEqual(grads[i]);
    }
    // The model runs where its parameters now are.
    use(getBackend(target));
    const y = model.call(x());
    expect(y.backendName).toBe(target);
    expect(y.shape).toEqual([2, 2]);
  });

  it('frees the storage it moved from', () => {
    installAutograd();
    const cpu = found.find((b) => b.name === 'cpu')?.backend;
    if (!cpu) throw new Error('cpu backend missing');
    use(cpu);
    const model = new Linear(8, 8);
    if (target === 'cpu') return;
    const cpuBefore = memory().backends.cpu.numTensors;
    model.to(target);
    expect(memory().backends.cpu.numTensors).toBe(cpuBefore - 2);
  });
});

describe('options of layers, as PyTorch users spell them', () => {
  it('new Linear(4, 2, { use_bias: false }) is an UnknownOptionError naming bias (it kept its bias before)', () => {
    installAutograd();
    use(found[0].backend!);
    const call = () => new Linear(4, 2, { use_bias: false } as never);
    expect(call).toThrow(UnknownOptionError);
    expect(call).toThrow(
      /Linear: unknown option 'use_bias' \(did you mean 'bias'\?\); valid options: dtype, backend, bias/,
    );
    expect(new Linear(4, 2, { bias: false }).bias).toBeNull();
  });

  it('new Softmax(1) takes dim 1, as nn.Softmax(1) (it took -1 before)', async () => {
    use(found[0].backend!);
    const x = tensor([
      [0, 0],
      [2, 2],
    ]);
    const byColumn = Array.from(await new Softmax(0).call(x).data());
    expect(byColumn[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
    expect(Array.from(await new Softmax({ dim: 0 }).call(x).data())).toEqual(byColumn);
    expect(new Softmax().dim).toBe(-1);
  });

  it('Dense with an activation prints its sizes (it printed only the activation)', () => {
    installAutograd();
    use(found[0].backend!);
    expect(new Dense(3, 4, { activation: 'relu' }).toString()).toBe(
      'Dense(\n  inFeatures=3, outFeatures=4, bias=true\n  (activation): ReLU()\n)',
    );
    expect(new Dense(3, 4).toString()).toBe('Dense(inFeatures=3, outFeatures=4, bias=true)');
  });

  it('JSON.stringify(model.stateDict()) throws a message that points to the save functions', () => {
    installAutograd();
    use(found[0].backend!);
    const sd: Record<string, Tensor> = new Linear(2, 2).stateDict();
    expect(() => JSON.stringify(sd)).toThrow(/saveWeights|safetensors/);
    expect(() => JSON.stringify(sd)).toThrow(/await t\.array\(\)/);
  });
});
