/**
 * Lines a PyTorch user types without thinking, run on every backend. Each used to run and give a
 * wrong result silently (`x.sum(1)` summed everything, `{ requires_grad: true }` was ignored); now
 * each works as in PyTorch or fails with a typed error that says what to write.
 */
import { installAutograd } from '@nn/autograd';
import { describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../../vitest.backends.js';
import {
  argmax,
  cat,
  clamp,
  logSoftmax,
  max,
  mean,
  norm,
  randn,
  softmax,
  stack,
  std,
  sum,
  type Tensor,
  tensor,
  UnknownOptionError,
  ValueError,
  zeros,
} from '../src/index.js';

const rows = (): Tensor =>
  tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);

const cube = (): Tensor =>
  tensor([
    [
      [1, 2],
      [3, 4],
    ],
    [
      [5, 6],
      [7, 8],
    ],
  ]);

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

await describeEachBackend('positional dims, as PyTorch takes them', () => {
  it('x.sum(1) sums along dim 1 (it summed everything before)', async () => {
    const s = rows().sum(1);
    expect(s.shape).toEqual([2]);
    expect(await values(s)).toEqual([9, 12]);
    expect(await values(sum(rows(), 0))).toEqual([5, 7, 9]);
  });

  it('sum([0, 2], true) reduces a list of dims and keeps them', async () => {
    const s = cube().sum([0, 2], true);
    expect(s.shape).toEqual([1, 2, 1]);
    expect(await values(s)).toEqual([14, 22]);
    expect(await values(sum(cube(), [0, 2]))).toEqual([14, 22]);
  });

  it('mean(1), mean(-1, true), prod(0), amax(1), amin(0)', async () => {
    expect(await values(rows().mean(1))).toEqual([3, 4]);
    const m = mean(rows(), -1, true);
    expect(m.shape).toEqual([2, 1]);
    expect(await values(rows().prod(0))).toEqual([4, 10, 18]);
    expect(await values(rows().amax(1))).toEqual([5, 6]);
    expect(await values(rows().amin(0))).toEqual([1, 2, 3]);
  });

  it('max(1) gives values and indices, as an object and as a pair', async () => {
    const { values: v, indices: i } = rows().max(1);
    expect(await values(v)).toEqual([5, 6]);
    expect(i.dtype).toBe('int32');
    expect(await values(i)).toEqual([1, 2]);
    const [v2, i2] = max(rows(), 0, true);
    expect(v2.shape).toEqual([1, 3]);
    expect(await values(v2)).toEqual([4, 5, 6]);
    expect(await values(i2)).toEqual([1, 0, 1]);
    const [mn] = rows().min(1);
    expect(await values(mn)).toEqual([1, 2]);
  });

  it('max(a, b) of two tensors is the element-wise maximum, as torch.max(a, b)', async () => {
    expect(await values(max(tensor([1, 5]), tensor([3, 2])))).toEqual([3, 5]);
  });

  it('argmax(1, true) and argmax(1)', async () => {
    const a = rows().argmax(1, true);
    expect(a.shape).toEqual([2, 1]);
    expect(await values(a)).toEqual([1, 2]);
    expect(await values(argmax(rows(), 0))).toEqual([1, 0, 1]);
    expect(await values(rows().argmin(1))).toEqual([0, 1]);
  });

  it('var(1), std(1, false), logsumexp(1), norm(2, 1)', async () => {
    const x = rows();
    expect(await values(x.var(1))).toEqual([4, 4]);
    expect(await values(std(x, 1, false))).toEqual([Math.sqrt(8 / 3), Math.sqrt(8 / 3)].map(Math.fround));
    expect(x.var(1, true, true).shape).toEqual([2, 1]);
    const lse = await values(x.logsumexp(1));
    expect(lse[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), 5);
    expect(await values(norm(tensor([[3, 4]]), 2, 1))).toEqual([5]);
    expect(await values(tensor([[3, 4]]).norm('fro'))).toEqual([5]);
  });

  it('softmax(1) and softmax({ dim: 1 }) agree', async () => {
    const a = await values(rows().softmax(1));
    expect(await values(softmax(rows(), { dim: 1 }))).toEqual(a);
    expect(await values(logSoftmax(rows(), 1))).toEqual(await values(rows().logSoftmax({ dim: 1 })));
  });

  it('the positional form gives what the options object gives, for every reduction', async () => {
    const x = randn([3, 4, 5]);
    const pairs: [Tensor, Tensor][] = [
      [x.sum(1, true), x.sum({ dim: 1, keepdim: true })],
      [x.mean([0, 2]), x.mean({ dim: [0, 2] })],
      [x.prod(2), x.prod({ dim: 2 })],
      [x.amax(-1), x.amax({ dim: -1 })],
      [x.amin(0, true), x.amin({ dim: 0, keepdim: true })],
      [x.argmax(1), x.argmax({ dim: 1 })],
      [x.argmin(2, true), x.argmin({ dim: 2, keepdim: true })],
      [x.max(1).values, x.max({ dim: 1 }).values],
      [x.min(1, true).indices, x.min({ dim: 1, keepdim: true }).indices],
      [x.var(0, false), x.var({ dim: 0, unbiased: false })],
      [x.std(1, true, true), x.std({ dim: 1, keepdim: true })],
      [x.logsumexp(1), x.logsumexp({ dim: 1 })],
      [x.norm(1, 2), x.norm({ p: 1, dim: 2 })],
      [x.squeeze(0), x.squeeze({ dim: 0 })],
      [x.unsqueeze(1), x.unsqueeze({ dim: 1 })],
      [x.flatten(1), x.flatten({ startDim: 1 })],
      [cat([x, x], 2), cat([x, x], { dim: 2 })],
      [stack([x, x], 1), stack([x, x], { dim: 1 })],
      [x.split(2, 1)[1], x.split(2, { dim: 1 })[1]],
      [x.chunk(2, 2)[0], x.chunk(2, { dim: 2 })[0]],
      [x.clamp(-0.5, 0.5), x.clamp({ min: -0.5, max: 0.5 })],
    ];
    for (const [a, b] of pairs) {
      expect(a.shape).toEqual(b.shape);
      expect(await values(a)).toEqual(await values(b));
    }
  });

  it('x.clamp(0, 1) clamps (the bounds were ignored before), clamp(x, null, 1) only from above', async () => {
    const x = tensor([-2, 0.5, 3]);
    expect(await values(x.clamp(0, 1))).toEqual([0, 0.5, 1]);
    expect(await values(clamp(x, null, 1))).toEqual([-2, 0.5, 1]);
  });

  it('an argument of the wrong kind is a ValueError, never ignored', () => {
    const x = rows();
    const bad: [() => unknown, RegExp][] = [
      [() => x.sum('1' as never), /sum: dim must be an integer or a list of integers, got '1'/],
      [() => x.sum(1, 'yes' as never), /sum: keepdim must be true or false, got 'yes'/],
      [() => x.sum(1.5), /sum: dim must be an integer/],
      [() => x.mean([0, 'a'] as never), /mean: dim must be an integer or a list/],
      [() => x.argmax([0, 1] as never), /argmax: dim must be an integer, got \[0, 1\]/],
      [() => x.max('0' as never), /max: dim must be an integer/],
      [() => x.softmax(undefined as never), /softmax: dim is required/],
      [() => x.softmax('1' as never), /softmax: dim must be an integer/],
      [() => x.transpose(0, '1' as never), /transpose: dim must be an integer, got '1'/],
      [
        () => x.sum({ dim: 1 } as never, true),
        /sum: pass keepdim either positionally or in the options object/,
      ],
      [() => x.max(undefined as never, true), /max: keepdim needs a dim/],
      [() => x.clamp('0' as never), /clamp: min must be a number/],
      [() => x.norm('nuc' as never), /norm: p must be a number > 0/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(ValueError);
      expect(call).toThrow(message);
    }
  });

  it('tensor(x, { requires_grad: true }) is an UnknownOptionError naming requiresGrad', () => {
    installAutograd();
    const call = () => tensor([1, 2], { requires_grad: true } as never);
    expect(call).toThrow(UnknownOptionError);
    expect(call).toThrow(/tensor: unknown option 'requires_grad' \(did you mean 'requiresGrad'\?\)/);
    expect(() => zeros([2], { device: 'cpu' } as never)).toThrow(/did you mean 'backend'/);
    expect(() => rows().sum({ dim: 1, keepdims: true } as never)).toThrow(/did you mean 'keepdim'/);
    expect(() => rows().sum({ axis: 1 } as never)).toThrow(/did you mean 'dim'/);
    expect(() => rows().softmax({ dim: 1, dtype: 'float32' } as never)).toThrow(UnknownOptionError);
    expect(tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it("loss.backward({ retainGraph: true }) reads as PyTorch's backward(retain_graph=True)", async () => {
    installAutograd();
    const w = tensor([2], { requiresGrad: true });
    const loss = w.mul(w).sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(await values(w.grad!)).toEqual([8]);
    expect(() => loss.backward({ retain_graph: true } as never)).toThrow(/did you mean 'retainGraph'/);
  });
});

describe('type declarations', () => {
  it('give positional dims and pairs their types', () => {
    // Compile-time checks: these lines only type-check with the overloads in place.
    const typed = (x: Tensor): [Tensor, Tensor, Tensor, Tensor] => {
      const [v, i] = x.max(1);
      const s: Tensor = x.sum([0, 1], true);
      return [v, i, s, x.argmax(0, true)];
    };
    expect(typeof typed).toBe('function');
  });
});
