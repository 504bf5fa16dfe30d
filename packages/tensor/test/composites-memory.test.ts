// Composites run their intermediates in tidy scopes: a call leaves exactly its result behind,
// and a call that throws part-way leaves nothing.
import { cpu } from '@nn/backend-cpu';
import {
  batchNorm,
  conv1d,
  conv2d,
  layerNorm,
  logsumexp,
  memory,
  norm,
  randn,
  registerBackend,
  ShapeError,
  setBackend,
  softmax,
  std,
  type Tensor,
  tensor,
  ValueError,
  variance,
} from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';

const t: Record<string, Tensor> = {};

beforeAll(() => {
  registerBackend(cpu({ name: 'cpu-memory' }));
  setBackend('cpu-memory');
  Object.assign(t, {
    x: randn([2, 3, 5, 5]),
    ints: tensor([1, 2, 3, 4], { dtype: 'int32', shape: [2, 2] }),
    x3: randn([3, 5, 5]),
    w: randn([4, 3, 2, 2]),
    wrong: randn([4, 2, 3, 3]),
    bias: randn([4]),
    seq: randn([2, 3, 7]),
    w1: randn([4, 3, 3]),
    single: randn([1, 3]),
    gamma: randn([3]),
  });
});

/** Tensors alive after fn and the disposal of its result, minus those before. */
function leftBehind(fn: () => Tensor): number {
  const before = memory().numTensors;
  fn().dispose();
  return memory().numTensors - before;
}

describe('composites free their intermediates', () => {
  const cases: [string, () => Tensor][] = [
    ['variance', () => variance(t.x, { dim: [2, 3] })],
    ['std', () => std(t.x)],
    ['logsumexp of int32 (its cast too)', () => logsumexp(t.ints, { dim: 1 })],
    ['softmax of int32 (its cast too)', () => softmax(t.ints, 1)],
    ['norm p=3', () => norm(t.x, { p: 3, dim: 1 })],
    ['layerNorm', () => layerNorm(t.x, [5, 5])],
    ['batchNorm training', () => batchNorm(t.x, null, null, null, null, { training: true })],
    ['conv2d, same padding, unbatched, bias', () => conv2d(t.x3, t.w, t.bias, { padding: 'same' })],
    ['conv1d with bias', () => conv1d(t.seq, t.w1, t.bias)],
  ];
  it.each(cases)('%s leaves only its result', (_name, fn) => {
    expect(leftBehind(fn)).toBe(0);
  });

  it('a call that throws part-way frees what it made', () => {
    const before = memory().numTensors;
    // 'same' padding pads the unbatched input before the channel check fails.
    expect(() => conv2d(t.x3, t.wrong, null, { padding: 'same' })).toThrow(ShapeError);
    expect(() => batchNorm(t.single, null, null, t.gamma, t.gamma, { training: true })).toThrow(ValueError);
    expect(memory().numTensors).toBe(before);
  });
});
