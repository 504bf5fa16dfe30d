import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import {
  manualSeed,
  memory,
  randn,
  registerBackend,
  type Tensor,
  tensor,
  tidy,
  use,
  ValueError,
  zeros,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  Dropout,
  Identity,
  init,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  ReLU,
  Sequential,
  WeightNoise,
} from '../src/index.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
  manualSeed(5);
});

class TwoLayer extends Module {
  fc1 = new Linear(4, 8);
  act = new ReLU();
  drop = new Dropout(0.1);
  fc2 = new Linear(8, 2);
  scale: Tensor;
  constructor() {
    super();
    this.scale = Parameter(tensor([1.5]));
    this.registerBuffer('steps', zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.call(this.drop.call(this.act.call(this.fc1.call(x)))).mul(this.scale);
  }
}

describe('Module', () => {
  it('finds parameters, buffers and children in assignment order', () => {
    const m = new TwoLayer();
    // As PyTorch: the module's own parameters first, then each child's.
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['steps']);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['fc1', 'act', 'drop', 'fc2']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'act', 'drop', 'fc2']);
    expect(m.numParameters()).toBe(4 * 8 + 8 + 8 * 2 + 2 + 1);
    expect(Object.keys(m.stateDict())).toEqual([
      'scale',
      'steps',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  it('train/eval reach every descendant; apply visits children first', () => {
    const m = new TwoLayer();
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.drop.training).toBe(true);
    const seen: string[] = [];
    m.apply((x) => seen.push(x.constructor.name));
    expect(seen).toEqual(['Linear', 'ReLU', 'Dropout', 'Linear', 'TwoLayer']);
  });

  it('backward fills every parameter gradient and zeroGrad clears them', () => {
    const m = new TwoLayer();
    m.call(randn([3, 4]))
      .sum()
      .backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('parameters survive tidy; forward allocations do not', () => {
    let m: Linear | null = null;
    tidy(() => {
      m = new Linear(3, 3);
      return null;
    });
    const lin = m as unknown as Linear;
    expect(lin.weight.isDisposed).toBe(false);
    expect(lin.bias?.isDisposed).toBe(false);
    const before = memory().numTensors;
    tidy(() => {
      lin.call(randn([2, 3])).sum();
      return null;
    });
    expect(memory().numTensors).toBe(before);
  });

  it('a call frees what forward made, and never the input it passed through', async () => {
    const m = new Sequential(new Identity(), new Linear(3, 2), new ReLU(), new Identity());
    const x = randn([2, 3]);
    const before = memory().numTensors;
    const y = m.call(x);
    // Only the output is left: the Linear's and ReLU's intermediates were freed inside the call.
    expect(memory().numTensors).toBe(before + 1);
    expect(x.isDisposed).toBe(false);
    expect(Array.from(await x.data())).toHaveLength(6);
    const same = tidy(() => new Identity().call(x));
    expect([same === x, x.isDisposed]).toEqual([true, false]);
    x.dispose();
    y.dispose();
  });

  it('moves to another backend with its parameters and buffers', async () => {
    registerBackend(cpu({ name: 'cpu2' }));
    const m = new TwoLayer();
    expect(() => m.to('nope')).toThrow(/no backend named 'nope'/);
    expect(m.parameters().every((p) => p.backendName === 'cpu')).toBe(true);
    const want = Array.from(await m.call(tensor([[1, 2, 3, 4]])).data());
    m.eval().to('cpu2');
    expect(m.parameters().every((p) => p.backendName === 'cpu2' && p.requiresGrad)).toBe(true);
    expect(m.buffers()[0].backendName).toBe('cpu2');
    const got = Array.from(await m.call(tensor([[1, 2, 3, 4]], { backend: 'cpu2' })).data());
    m.train();
    expect(got.length).toBe(want.length);
    // A state dict from another backend loads too.
    const other = new TwoLayer();
    other.loadStateDict(m.stateDict());
    expect(other.fc1.weight.backendName).toBe('cpu');
    expect(Array.from(await other.fc1.weight.data())).toEqual(Array.from(await m.fc1.weight.data()));
  });

  it('rejects bad registrations', () => {
    const m = new TwoLayer();
    expect(() => m.registerBuffer('a.b', zeros([1]))).toThrow(ValueError);
    expect(() => m.registerParameter('training', zeros([1]))).toThrow(ValueError);
    expect(() => Parameter(tensor(new Int32Array([1])))).toThrow(/floating point/);
  });
});

describe('containers', () => {
  it('Sequential runs in order, by list or by name', async () => {
    const seq = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    expect(seq.length).toBe(3);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.call(randn([5, 2])).shape).toEqual([5, 1]);
    const named = new Sequential({ hidden: new Linear(2, 3), act: new ReLU(), out: new Linear(3, 1) });
    expect(Object.keys(named.stateDict())).toEqual([
      'hidden.weight',
      'hidden.bias',
      'out.weight',
      'out.bias',
    ]);
    named.loadStateDict(
      Object.fromEntries(
        Object.entries(seq.stateDict()).map(([k, v]) => [k.replace(/^0/, 'hidden').replace(/^2/, 'out'), v]),
      ),
    );
    const input = randn([4, 2]);
    expect(Array.from(await named.call(input).data())).toEqual(Array.from(await seq.call(input).data()));
    seq.append(new ReLU());
    expect(seq.at(-1)).toBeInstanceOf(ReLU);
  });

  it('ModuleList and ModuleDict register their modules', () => {
    const list = new ModuleList([new Linear(2, 2), new Linear(2, 2)]);
    expect(list.parameters().length).toBe(4);
    expect([...list].length).toBe(2);
    const dict = new ModuleDict({ enc: new Linear(2, 3), bn: new BatchNorm1d(3) });
    expect(dict.keys()).toEqual(['enc', 'bn']);
    expect(Object.keys(dict.stateDict())).toContain('bn.running_var');
    expect(dict.get('enc')).toBeInstanceOf(Linear);
  });
});

describe('init', () => {
  it('is reproducible from the seed and has the right statistics', async () => {
    const a = zeros([200, 100]);
    manualSeed(11);
    init.xavierUniform(a);
    const b = zeros([200, 100]);
    manualSeed(11);
    init.xavierUniform(b);
    const va = Array.from(await a.data());
    expect(va).toEqual(Array.from(await b.data()));
    const bound = Math.sqrt(6 / 300);
    expect(Math.max(...va.map(Math.abs))).toBeLessThanOrEqual(bound);
    const k = init.kaimingNormal(zeros([256, 128]), { nonlinearity: 'relu' });
    const kv = Array.from(await k.data());
    const std = Math.sqrt(kv.reduce((s, v) => s + v * v, 0) / kv.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 128), 2);
    expect(Array.from(await init.ones(zeros([3])).data())).toEqual([1, 1, 1]);
    const x = init.xavierNormal(zeros([300, 200]), { gain: 2 });
    const xv = Array.from(await x.data());
    const xstd = Math.sqrt(xv.reduce((s, v) => s + v * v, 0) / xv.length);
    expect(xstd).toBeCloseTo(2 * Math.sqrt(2 / 500), 2);
  });

  it('orthogonal gives orthonormal rows or columns', async () => {
    for (const shape of [
      [4, 6],
      [6, 4],
    ]) {
      const q = init.orthogonal(zeros(shape));
      const prod = shape[0] <= shape[1] ? q.matmul(q.T) : q.T.matmul(q);
      const v = Array.from(await prod.data());
      const n = Math.min(...shape);
      for (const [i, x] of v.entries()) expect(x).toBeCloseTo(Math.floor(i / n) === i % n ? 1 : 0, 5);
    }
  });
});

describe('WeightNoise', () => {
  it('perturbs weights in training, passes gradients to the clean ones, and is off in eval', async () => {
    const lin = new Linear(3, 2);
    const noisy = new WeightNoise(lin, 0.5);
    const input = tensor([[1, 2, 3]]);
    const clean = Array.from(await lin.call(input).data());
    const y = noisy.call(input);
    expect(Array.from(await y.data())).not.toEqual(clean);
    y.sum().backward();
    expect(lin.weight.grad).not.toBeNull();
    expect(noisy.parameters()).toEqual(lin.parameters());
    noisy.eval();
    expect(Array.from(await noisy.call(input).data())).toEqual(clean);
  });
});
