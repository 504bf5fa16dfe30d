// Gradients of gradients: backward({ createGraph }) and grad() record the backward pass, so every
// rule written with tensor ops is differentiated again. gradgradcheck compares second derivatives
// with central differences of the first (float64 on the cpu backend).
import { cpu } from '@nn/backend-cpu';
import {
  AutogradError,
  elu,
  gelu,
  leakyRelu,
  matmul,
  maximum,
  memory,
  registerBackend,
  ShapeError,
  setBackend,
  silu,
  softplus,
  type Tensor,
  tensor,
  tidy,
  ValueError,
  where,
} from '@nn/tensor';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { grad, gradcheck, gradgradcheck, installAutograd } from '../src/index.js';

beforeAll(() => {
  registerBackend(cpu());
  setBackend('cpu');
  installAutograd();
});

const values = (t: Tensor | null) => Array.from(t!.dataSync());
const f64 = (v: number[] | number[][], requiresGrad = false) => tensor(v, { dtype: 'float64', requiresGrad });
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  for (const [i, g] of got.entries()) expect(g).toBeCloseTo(want[i], 10);
};

describe('grad()', () => {
  it('returns d³/dx³ of x⁴ by differentiating its own results', () => {
    const x = f64([1, -2, 0.5], true);
    const [d1] = grad(x.pow(4).sum(), x, { createGraph: true });
    const [d2] = grad(d1.sum(), x, { createGraph: true });
    const [d3] = grad(d2.sum(), x);
    close(values(d1), [4, -32, 0.5]);
    close(values(d2), [12, 48, 3]);
    close(values(d3), [24, -48, 12]);
    expect(d3.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });

  it('computes a Hessian-vector product through matmul and tanh', () => {
    // f(x) = sum(tanh(A x)); H v = Aᵀ diag(-2 t (1 - t²)) A v with t = tanh(A x).
    const a = [
      [0.5, -1, 2],
      [1.5, 0.25, -0.5],
    ];
    const xs = [0.3, -0.2, 0.1];
    const v = [1, 2, -1];
    const x = f64(xs, true);
    const A = f64(a);
    const [g] = grad(matmul(A, x).tanh().sum(), x, { createGraph: true });
    const [hv] = grad(g.mul(f64(v)).sum(), x);
    const ax = a.map((row) => row.reduce((s, r, j) => s + r * xs[j], 0));
    const av = a.map((row) => row.reduce((s, r, j) => s + r * v[j], 0));
    const d = ax.map((z, i) => -2 * Math.tanh(z) * (1 - Math.tanh(z) ** 2) * av[i]);
    close(
      values(hv),
      xs.map((_, j) => a.reduce((s, row, i) => s + row[j] * d[i], 0)),
    );
  });

  it('takes gradients at non-leaf inputs and of several outputs with gradOutputs', () => {
    const x = f64([1, 2], true);
    const h = x.mul(3);
    const y1 = h.square();
    const y2 = h.sum();
    const [dh, dx] = grad([y1, y2], [h, x], { gradOutputs: [f64([1, 10]), undefined] });
    close(values(dh), [2 * 3 + 1, 10 * 2 * 6 + 1]);
    close(values(dx), [3 * 7, 3 * 121]);
    expect(x.grad).toBeNull();
  });

  it('gives null for an unused input only when allowUnused is set, and refuses bad calls', () => {
    const x = f64([1, 2], true);
    const u = f64([3], true);
    const y = x.sum();
    expect(() => grad(y, [x, u], { retainGraph: true })).toThrow(AutogradError);
    expect(() => grad(y, [x, u], { retainGraph: true })).toThrow(/input 1 \[1\] was not used.*allowUnused/);
    const [gx, gu] = grad(y, [x, u], { allowUnused: true, retainGraph: true });
    close(values(gx), [1, 1]);
    expect(gu).toBeNull();
    expect(() => grad(y, f64([1]))).toThrow(/grad: input 0 \[1\] does not require grad/);
    expect(() => grad(x.mul(2), x)).toThrow(
      /one-element outputs; output 0 has shape \[2\], pass gradOutputs/,
    );
    expect(() => grad(x.mul(2), x, { gradOutputs: f64([1, 2, 3]) })).toThrow(ShapeError);
    expect(() => grad(f64([1]), x)).toThrow(/output 0 \[1\] does not require grad/);
    expect(() => grad([], x)).toThrow(ValueError);
  });

  it('frees the graph unless retainGraph or createGraph keeps it', () => {
    const x = f64([1, 2], true);
    const y = x.exp().sum();
    grad(y, x);
    expect(() => grad(y, x)).toThrow(/second time \(op 'exp'\)/);
    const z = x.exp().sum();
    grad(z, x, { createGraph: true });
    expect(values(grad(z, x)[0])).toEqual(values(x.exp()));
  });

  it('leaves no tensor or byte behind once the results are disposed', () => {
    const x = f64([0.5, -1.5, 2], true);
    const before = memory();
    tidy(() => {
      const [g] = grad(x.sigmoid().mul(x).sum(), x, { createGraph: true });
      const [h] = grad(g.square().sum(), x);
      return h;
    }).dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});

describe('backward({ createGraph })', () => {
  it('leaves a .grad with a graph, differentiable again (a gradient penalty)', () => {
    const w = f64([0.5, -1], true);
    w.pow(3).sum().backward(undefined, { createGraph: true });
    const g = w.grad!;
    expect(g.requiresGrad).toBe(true);
    close(values(g), [0.75, 3]);
    // d/dw sum((3w²)²) = 36 w³
    const [d] = grad(g.square().sum(), w);
    close(values(d), [36 * 0.125, -36]);
  });

  it('records nothing without createGraph', () => {
    const w = f64([0.5, -1], true);
    w.pow(3).sum().backward();
    expect(w.grad!.requiresGrad).toBe(false);
    expect(w.grad!.gradFn).toBeNull();
  });

  it('keeps a gradient argument that has a graph in the graph', () => {
    const x = f64([1, 2], true);
    const s = f64([3, 4], true);
    x.square().backward(s, { createGraph: true }); // x.grad = 2 x s
    const [ds] = grad(x.grad!.sum(), s);
    close(values(ds), [2, 4]);
  });
});

// One case per rule family; each runs gradgradcheck in float64 on cpu.
const x3 = () => f64([0.7, -0.4, 1.3]);
const pos3 = () => f64([0.7, 1.4, 2.3]);
const m23 = () =>
  f64([
    [0.2, -0.5, 1.1],
    [0.9, 0.3, -0.7],
  ]);
const m32 = () =>
  f64([
    [0.4, 1.2],
    [-0.6, 0.5],
    [0.8, -0.3],
  ]);

const cases: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  // elementwise
  ['add / sub / neg', (a, b) => a.add(b.mul(b)).sub(a.neg().mul(b)), () => [x3(), pos3()]],
  ['mul / div', (a, b) => a.mul(b).div(b.add(a.square())), () => [x3(), pos3()]],
  ['pow (tensor exponent)', (a, b) => a.pow(b), () => [pos3(), x3()]],
  ['pow / scalar ops', (a) => a.pow(3).add(a.mul(2).sub(1).div(4)).add(a.reciprocal()), () => [pos3()]],
  ['exp / log / sqrt / rsqrt', (a) => a.exp().add(a.log()).add(a.sqrt()).mul(a.rsqrt()), () => [pos3()]],
  ['sin / cos / square', (a) => a.sin().mul(a.cos()).add(a.square()), () => [x3()]],
  ['maximum', (a, b) => maximum(a, b).mul(a), () => [x3(), f64([0.1, 0.2, 0.3])]],
  ['where', (a, b) => where(a.gt(0), a.mul(b), b.square()), () => [x3(), pos3()]],
  // matmul
  ['matmul', (a, b) => matmul(a, b).square(), () => [m23(), m32()]],
  ['batched matmul with broadcasting', (a, b) => matmul(a.reshape(1, 2, 3), b).tanh(), () => [m23(), m32()]],
  ['matrix-vector', (a, v) => matmul(a, v).exp(), () => [m23(), x3()]],
  // reductions
  [
    'sum / mean over dims',
    (a) =>
      a
        .square()
        .sum({ dim: 1 })
        .mul(a.mean({ dim: 0 }).sum()),
    () => [m23()],
  ],
  ['prod', (a) => a.prod({ dim: 1 }), () => [m23()]],
  ['amax', (a) => a.amax({ dim: 1 }).square(), () => [m23()]],
  ['var / std', (a) => a.var({ dim: 1 }).add(a.std()), () => [m23()]],
  ['logsumexp', (a) => a.logsumexp({ dim: 1 }), () => [m23()]],
  ['softmax', (a) => a.softmax(1).mul(a), () => [m23()]],
  ['logSoftmax', (a) => a.logSoftmax(0).square(), () => [m23()]],
  ['norm', (a) => a.norm({ dim: 1 }), () => [m23()]],
  // activations
  ['tanh / sigmoid', (a) => a.tanh().mul(a.sigmoid()), () => [x3()]],
  ['gelu (erf and tanh)', (a) => gelu(a).add(gelu(a, { approximate: 'tanh' })), () => [x3()]],
  ['silu / softplus', (a) => silu(a).add(softplus(a, { beta: 2 })), () => [x3()]],
  [
    'elu / leakyRelu / relu',
    (a) => elu(a).add(leakyRelu(a, 0.1).square()).add(a.relu().square()),
    () => [x3()],
  ],
];

describe('gradgradcheck', () => {
  it.each(cases)('second derivatives of %s', async (_name, fn, inputs) => {
    const xs = inputs();
    const r = await gradgradcheck(fn, xs);
    expect(r.message).toMatch(/^gradgradcheck passed/);
    expect(r.ok).toBe(true);
  });

  it('fails a first derivative whose rule is not differentiated correctly', async () => {
    // detach() hides the dependence of the first derivative on x: gradcheck passes, gradgradcheck not.
    const wrong = (a: Tensor) => a.square().mul(a.detach());
    expect((await gradcheck(wrong, [x3()])).ok).toBe(false);
    const halfHidden = (a: Tensor) => a.square().detach().add(a.square()).mul(0.5);
    expect((await gradcheck(halfHidden, [x3()])).ok).toBe(false);
    const r = await gradgradcheck((a) => a.mul(a.detach().square()), [x3()]);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^gradgradcheck: input 0/);
  });

  it('holds for any shape: the Hessian of sum(a·x³) applied to v is 6·a·x·v', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (vals) => {
          const x = f64(vals, true);
          const a = f64(vals.map((_, i) => i + 1));
          const v = f64(vals.map((_, i) => 1 - i));
          const [g] = grad(x.pow(3).mul(a).sum(), x, { createGraph: true });
          const [hv] = grad(g.mul(v).sum(), x);
          close(
            values(hv),
            vals.map((t, i) => 6 * (i + 1) * t * (1 - i)),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
