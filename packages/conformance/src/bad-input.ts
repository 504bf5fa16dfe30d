/**
 * Bad input: every op family rejects wrong shapes, dtypes, dims and indices with a typed error
 * whose message names the op and what was given, and a failed call changes nothing (no tensor
 * created or freed, inputs and gradients as they were).
 */
import * as nn from '@nn/tensor';
import {
  AutogradError,
  BackendError,
  type DType,
  DTypeError,
  IndexError,
  ShapeError,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { REORDER_FAMILIES } from './bad-input-reorder.js';
import type { SuiteContext } from './context.js';

type ErrorClass = new (...args: never[]) => Error;

export interface BadCase {
  name: string;
  /** Inputs made fresh for the case (checked unchanged afterwards). */
  inputs?: () => Tensor[];
  call: (xs: Tensor[]) => unknown;
  error: ErrorClass;
  /** Fragments the message must contain: the op name, then shapes, dims or values. */
  says: string[];
  /**
   * The error depends on index values. Backends that read synchronously check them on the host
   * before the op runs; the others (index values on a device) may instead report the error at
   * the next read, as IndexError rejecting `data()` of the result, with the same message parts.
   */
  indexValues?: boolean;
}

export const f32 = (shape: number[]) => () => {
  const n = shape.reduce((a, b) => a * b, 1);
  return [
    nn.tensor(
      Float32Array.from({ length: n }, (_, i) => i - n / 3),
      { shape },
    ),
  ];
};
const two = (sa: number[], sb: number[]) => () => [...f32(sa)(), ...f32(sb)()];

const FAMILIES: [string, BadCase[]][] = [
  ...REORDER_FAMILIES,
  [
    'creation',
    [
      {
        name: 'ragged nested arrays',
        call: () => nn.tensor([[1, 2], [3]]),
        error: ShapeError,
        says: ['tensor', 'ragged'],
      },
      { name: 'negative size', call: () => nn.zeros([2, -1]), error: ValueError, says: ['zeros', '[2,-1]'] },
      {
        name: 'shape that does not fit the values',
        call: () => nn.tensor([1, 2, 3], { shape: [2, 2] }),
        error: ValueError,
        says: ['tensor', '[2,2]', '3'],
      },
      {
        name: 'unknown dtype',
        call: () => nn.full([2], 1, { dtype: 'float16' as DType }),
        error: DTypeError,
        says: ['full', 'float16'],
      },
      { name: 'non-integer eye size', call: () => nn.eye(2.5), error: ValueError, says: ['eye', '2.5'] },
      {
        name: 'arange with step 0',
        call: () => nn.arange(0, 10, 0),
        error: ValueError,
        says: ['arange', 'step'],
      },
      {
        name: 'a value beyond int32 into an int32 tensor',
        call: () => nn.tensor([3e9], { dtype: 'int32' }),
        error: ValueError,
        says: ['tensor', '3000000000', 'int32', 'overflow'],
      },
      {
        name: 'NaN into an int32 tensor',
        call: () => nn.tensor([1, Number.NaN], { dtype: 'int32' }),
        error: ValueError,
        says: ['tensor', 'NaN', 'flat index 1', 'int32'],
      },
      {
        name: 'a float32 array holding Infinity into int32',
        call: () => nn.tensor(Float32Array.from([2, Number.POSITIVE_INFINITY]), { dtype: 'int32' }),
        error: ValueError,
        says: ['tensor', 'Infinity', 'int32'],
      },
      {
        name: 'full with a value beyond int32',
        call: () => nn.full([2], -2147483649, { dtype: 'int32' }),
        error: ValueError,
        says: ['full', '-2147483649', 'int32'],
      },
      {
        // 4 TB: every backend refuses it at once, before touching memory, and says how many bytes.
        name: 'a tensor too large for the backend',
        call: () => nn.zeros([1e6, 1e6]),
        error: BackendError,
        says: ['bytes'],
      },
      {
        name: 'rand with an int dtype',
        call: () => nn.rand([2], { dtype: 'int32' }),
        error: DTypeError,
        says: ['rand', 'int32'],
      },
    ],
  ],
  [
    'element-wise and broadcasting',
    [
      {
        name: 'add of shapes that do not broadcast',
        inputs: two([2, 3], [4, 3]),
        call: ([a, b]) => nn.add(a, b),
        error: ShapeError,
        says: ['add', '[2,3]', '[4,3]'],
      },
      {
        name: 'mul of shapes that do not broadcast',
        inputs: two([2, 3, 4], [3, 5]),
        call: ([a, b]) => nn.mul(a, b),
        error: ShapeError,
        says: ['mul', '[2,3,4]', '[3,5]'],
      },
      {
        name: 'maximum of shapes that do not broadcast',
        inputs: two([3], [4]),
        call: ([a, b]) => nn.maximum(a, b),
        error: ShapeError,
        says: ['maximum', '[3]', '[4]'],
      },
      {
        name: 'where with a float condition',
        inputs: two([2, 2], [2, 2]),
        call: ([a, b]) => nn.where(a, a, b),
        error: DTypeError,
        says: ['where', 'float32', '[2,2]'],
      },
      {
        name: 'where of shapes that do not broadcast',
        inputs: () => [nn.tensor([true, false, true]), ...two([2], [3])()],
        call: ([c, a, b]) => nn.where(c, a, b),
        error: ShapeError,
        says: ['where', '[3]', '[2]'],
      },
      {
        name: 'sub of two bool tensors',
        inputs: () => [nn.tensor([true, false]), nn.tensor([true, true])],
        call: ([a, b]) => nn.sub(a, b),
        error: DTypeError,
        says: ['sub', 'bool', 'logicalNot'],
      },
      {
        name: 'sub of a float tensor and a bool tensor',
        inputs: () => [...f32([2])(), nn.tensor([true, false])],
        call: ([a, b]) => a.sub(b),
        error: DTypeError,
        says: ['sub', 'bool'],
      },
      {
        name: 'a number minus a bool tensor',
        inputs: () => [nn.tensor([true, false])],
        call: ([a]) => nn.sub(1, a),
        error: DTypeError,
        says: ['sub', 'bool'],
      },
      {
        name: 'pow of two bool tensors',
        inputs: () => [nn.tensor([true, false]), nn.tensor([true, true])],
        call: ([a, b]) => nn.pow(a, b),
        error: DTypeError,
        says: ['pow', 'bool'],
      },
      {
        name: 'exp of a bool tensor',
        inputs: () => [nn.tensor([true, false])],
        call: ([a]) => nn.exp(a),
        error: DTypeError,
        says: ['exp', 'bool'],
      },
      {
        name: 'clamp with a NaN bound',
        inputs: f32([3]),
        call: ([a]) => nn.clamp(a, { min: Number.NaN }),
        error: ValueError,
        says: ['clamp', 'NaN'],
      },
      {
        name: 'clamp without bounds',
        inputs: f32([3]),
        call: ([a]) => nn.clamp(a, {}),
        error: ValueError,
        says: ['clamp', 'min', 'max'],
      },
    ],
  ],
  [
    'reductions',
    [
      {
        name: 'sum over a dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.sum(a, { dim: 2 }),
        error: IndexError,
        says: ['sum', 'dim 2', 'rank 2'],
      },
      {
        name: 'mean over a negative dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.mean(a, { dim: -3 }),
        error: IndexError,
        says: ['mean', '-3'],
      },
      {
        name: 'sum over a repeated dim',
        inputs: f32([2, 3]),
        call: ([a]) => nn.sum(a, { dim: [1, -1] }),
        error: ValueError,
        says: ['sum', 'repeat'],
      },
      {
        name: 'mean of an int tensor',
        inputs: () => [nn.arange(0, 6)],
        call: ([a]) => nn.mean(a),
        error: DTypeError,
        says: ['mean', 'int32'],
      },
      {
        name: 'var of an int tensor',
        inputs: () => [nn.arange(0, 6)],
        call: ([a]) => nn.variance(a),
        error: DTypeError,
        says: ['var', 'int32'],
      },
      {
        name: 'amax over an empty dim',
        inputs: () => [nn.zeros([2, 0])],
        call: ([a]) => nn.amax(a, { dim: 1 }),
        error: ValueError,
        says: ['amax', '[2,0]'],
      },
      {
        name: 'argmax of an empty tensor',
        inputs: () => [nn.zeros([0])],
        call: ([a]) => nn.argmax(a),
        error: ValueError,
        says: ['argmax', '[0]'],
      },
      {
        name: 'max along a dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.max(a, { dim: 5 }),
        error: IndexError,
        says: ['max', 'dim 5'],
      },
      {
        name: 'softmax along a dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.softmax(a, 2),
        error: IndexError,
        says: ['softmax', 'dim 2'],
      },
      {
        name: 'norm with p <= 0',
        inputs: f32([3]),
        call: ([a]) => nn.norm(a, { p: 0 }),
        error: ValueError,
        says: ['norm', 'p', '0'],
      },
    ],
  ],
  [
    'shape and views',
    [
      {
        name: 'reshape to a size that does not fit',
        inputs: f32([2, 3]),
        call: ([a]) => nn.reshape(a, [4, 2]),
        error: ShapeError,
        says: ['reshape', '[4,2]', '[2,3]'],
      },
      {
        name: 'reshape with two -1',
        inputs: f32([2, 3]),
        call: ([a]) => nn.reshape(a, [-1, -1]),
        error: ShapeError,
        says: ['reshape', '[-1,-1]'],
      },
      {
        name: 'view of a non-contiguous tensor',
        inputs: () => {
          const base = f32([2, 3])()[0];
          return [base, nn.transpose(base, 0, 1)];
        },
        call: ([, tr]) => nn.view(tr, [6]),
        error: ShapeError,
        says: ['view', '[6]', '[3,2]'],
      },
      {
        name: 'permute with too few dims',
        inputs: f32([2, 3, 4]),
        call: ([a]) => nn.permute(a, [1, 0]),
        error: ShapeError,
        says: ['permute', '[2,3,4]', '[1,0]'],
      },
      {
        name: 'permute repeating a dim',
        inputs: f32([2, 3]),
        call: ([a]) => nn.permute(a, [0, 0]),
        error: ValueError,
        says: ['permute', '[0,0]'],
      },
      {
        name: 'transpose of a dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.transpose(a, 0, 2),
        error: IndexError,
        says: ['transpose', 'dim 2'],
      },
      {
        name: 'expand of a non-1 dim',
        inputs: f32([2, 3]),
        call: ([a]) => nn.expand(a, [4, 3]),
        error: ShapeError,
        says: ['expand', '[2,3]', '[4,3]'],
      },
      {
        name: 'expand to fewer dims',
        inputs: f32([2, 3]),
        call: ([a]) => nn.expand(a, [3]),
        error: ShapeError,
        says: ['expand', '[3]', '[2,3]'],
      },
      {
        name: 'cat of mismatched shapes',
        inputs: two([2, 3], [2, 4]),
        call: ([a, b]) => nn.cat([a, b], 0),
        error: ShapeError,
        says: ['cat', '[2,3]', '[2,4]'],
      },
      {
        name: 'cat along a dim out of range',
        inputs: two([2, 3], [2, 3]),
        call: ([a, b]) => nn.cat([a, b], 2),
        error: IndexError,
        says: ['cat', 'dim 2'],
      },
      { name: 'cat of nothing', call: () => nn.cat([]), error: ValueError, says: ['cat'] },
      {
        // 0-d tensors have no dim to join along (PyTorch refuses too; stack them instead).
        name: 'cat of 0-d tensors',
        inputs: () => [nn.tensor(3), nn.tensor(4)],
        call: ([a, b]) => nn.cat([a, b]),
        error: ShapeError,
        says: ['cat', '[]'],
      },
      {
        name: 'stack of mismatched shapes',
        inputs: two([2, 3], [3, 2]),
        call: ([a, b]) => nn.stack([a, b]),
        error: ShapeError,
        says: ['stack', '[2,3]', '[3,2]'],
      },
      {
        name: 'split sizes that do not sum up',
        inputs: f32([2, 5]),
        call: ([a]) => nn.split(a, [2, 2], 1),
        error: ShapeError,
        says: ['split', '[2,2]', '5'],
      },
      {
        name: 'chunk into 0 pieces',
        inputs: f32([4]),
        call: ([a]) => nn.chunk(a, 0),
        error: ValueError,
        says: ['chunk', '0'],
      },
      {
        name: 'squeeze of a dim out of range',
        inputs: f32([2, 1]),
        call: ([a]) => nn.squeeze(a, 3),
        error: IndexError,
        says: ['squeeze', 'dim 3'],
      },
      {
        name: 'assign of another shape',
        inputs: two([2, 3], [3, 2]),
        call: ([a, b]) => a.assign(b),
        error: ShapeError,
        says: ['assign', '[2,3]', '[3,2]'],
      },
      {
        name: 'assign of another dtype',
        inputs: () => [...f32([3])(), nn.arange(0, 3)],
        call: ([a, b]) => a.assign(b),
        error: DTypeError,
        says: ['assign', 'float32', 'int32'],
      },
    ],
  ],
  [
    'indexing',
    [
      {
        name: 'index out of bounds',
        inputs: f32([2, 3]),
        call: ([a]) => a.index(5),
        error: IndexError,
        says: ['index', '5', '[2,3]'],
      },
      {
        name: 'negative index out of bounds',
        inputs: f32([2, 3]),
        call: ([a]) => a.index(':', -4),
        error: IndexError,
        says: ['index', '-4', '[2,3]'],
      },
      {
        name: 'too many indices',
        inputs: f32([2, 3]),
        call: ([a]) => a.index(0, 0, 0),
        error: IndexError,
        says: ['index', 'rank 2'],
      },
      {
        name: 'two ellipses',
        inputs: f32([2, 3]),
        call: ([a]) => a.index('...', '...'),
        error: IndexError,
        says: ['index', 'ellipsis'],
      },
      {
        name: 'slice step 0',
        inputs: f32([4]),
        call: ([a]) => a.index({ start: 0, stop: 4, step: 0 }),
        error: ValueError,
        says: ['index', 'step', '0'],
      },
      {
        name: 'narrow past the end',
        inputs: f32([2, 3]),
        call: ([a]) => nn.narrow(a, 1, 2, 2),
        error: IndexError,
        says: ['narrow', '2', '3'],
      },
      {
        name: 'gather with a float index',
        inputs: two([2, 3], [2, 3]),
        call: ([a, i]) => nn.gather(a, 1, i),
        error: DTypeError,
        says: ['gather', 'int32', 'float32'],
      },
      {
        name: 'gather with an index of another rank',
        inputs: () => [...f32([2, 3])(), nn.tensor(Int32Array.from([0, 1]), { dtype: 'int32' })],
        call: ([a, i]) => nn.gather(a, 1, i),
        error: ShapeError,
        says: ['gather', '[2]', '[2,3]'],
      },
      {
        name: 'indexSelect with a 2-D index',
        inputs: () => [
          ...f32([2, 3])(),
          nn.tensor(Int32Array.from([0, 1, 0, 1]), { shape: [2, 2], dtype: 'int32' }),
        ],
        call: ([a, i]) => nn.indexSelect(a, 0, i),
        error: ShapeError,
        says: ['indexSelect', '[2,2]'],
      },
      {
        name: 'indexSelect with an index value out of range',
        inputs: () => [...f32([2, 3])(), nn.tensor(Int32Array.from([0, 7]), { dtype: 'int32' })],
        call: ([a, i]) => nn.indexSelect(a, 1, i),
        error: IndexError,
        says: ['indexSelect', '7', 'size 3'],
        indexValues: true,
      },
      {
        name: 'gather with a negative index value',
        inputs: () => [
          ...f32([2, 3])(),
          nn.tensor(Int32Array.from([0, -1]), { shape: [2, 1], dtype: 'int32' }),
        ],
        call: ([a, i]) => nn.gather(a, 1, i),
        error: IndexError,
        says: ['gather', '-1'],
        indexValues: true,
      },
      {
        name: 'scatterAdd with an index value past the output',
        inputs: () => [nn.zeros([2]), nn.tensor(Int32Array.from([5]), { dtype: 'int32' }), nn.ones([1])],
        call: ([a, i, s]) => nn.scatterAdd(a, 0, i, s),
        error: IndexError,
        says: ['scatterAdd', 'index 5', 'size 2'],
        indexValues: true,
      },
      {
        name: 'scatterAdd with an index larger than src',
        inputs: () => [
          nn.zeros([2, 3]),
          nn.tensor(Int32Array.from([0, 1, 0, 1]), { shape: [2, 2], dtype: 'int32' }),
          nn.ones([2, 1]),
        ],
        call: ([a, i, s]) => nn.scatterAdd(a, 0, i, s),
        error: ShapeError,
        says: ['scatterAdd', '[2,2]', '[2,1]'],
      },
      {
        name: 'scatterAdd with a src of another dtype',
        inputs: () => [
          nn.zeros([2]),
          nn.tensor(Int32Array.from([1]), { dtype: 'int32' }),
          nn.tensor(Int32Array.from([1]), { dtype: 'int32' }),
        ],
        call: ([a, i, s]) => nn.scatterAdd(a, 0, i, s),
        error: DTypeError,
        says: ['scatterAdd', 'int32', 'float32'],
      },
    ],
  ],
  [
    'matmul',
    [
      {
        name: 'inner dimensions differ',
        inputs: two([2, 3], [4, 5]),
        call: ([a, b]) => nn.matmul(a, b),
        error: ShapeError,
        says: ['matmul: cannot multiply [2,3] by [4,5] (inner dimensions 3 and 4 differ)'],
      },
      {
        name: 'vector lengths differ',
        inputs: two([3], [4]),
        call: ([a, b]) => nn.matmul(a, b),
        error: ShapeError,
        says: ['matmul', '[3]', '[4]'],
      },
      {
        name: 'batch dims that do not broadcast',
        inputs: two([2, 2, 3], [3, 3, 4]),
        call: ([a, b]) => nn.matmul(a, b),
        error: ShapeError,
        says: ['matmul', '[2]', '[3]'],
      },
      {
        name: 'a 0-d operand',
        inputs: () => [nn.tensor(2), ...f32([2, 2])()],
        call: ([a, b]) => nn.matmul(a, b),
        error: ShapeError,
        says: ['matmul', '[]', '[2,2]'],
      },
      {
        name: 'int operands',
        inputs: () => [nn.arange(0, 4).reshape(2, 2), nn.arange(0, 4).reshape(2, 2)],
        call: ([a, b]) => nn.matmul(a, b),
        error: DTypeError,
        says: ['matmul', 'int32'],
      },
      {
        name: 'linear: input features differ from the weight',
        inputs: () => [...f32([2, 3])(), ...f32([5, 4])(), ...f32([5])()],
        call: ([x, w, b]) => nn.linear(x, w, b),
        error: ShapeError,
        says: ['linear', 'input [2,3]', 'weight [5,4]', 'bias [5]'],
      },
      {
        name: 'linear: a bias of the wrong length',
        inputs: () => [...f32([2, 4])(), ...f32([5, 4])(), ...f32([4])()],
        call: ([x, w, b]) => nn.linear(x, w, b),
        error: ShapeError,
        says: ['linear', 'weight [5,4]', 'bias [4]'],
      },
      {
        name: 'linear: a 1-D weight',
        inputs: two([2, 4], [4]),
        call: ([x, w]) => nn.linear(x, w),
        error: ShapeError,
        says: ['linear', 'input [2,4]', 'weight [4]'],
      },
      {
        name: 'linear: an int input',
        inputs: () => [nn.arange(0, 8).reshape(2, 4), ...f32([3, 4])()],
        call: ([x, w]) => nn.linear(x, w),
        error: DTypeError,
        says: ['linear', 'input int32', 'weight float32'],
      },
      {
        name: 'mm of 3-D tensors',
        inputs: two([2, 2, 2], [2, 2, 2]),
        call: ([a, b]) => nn.mm(a, b),
        error: ShapeError,
        says: ['mm', '[2,2,2]'],
      },
      {
        name: 'bmm with different batch sizes',
        inputs: two([2, 2, 3], [3, 3, 2]),
        call: ([a, b]) => nn.bmm(a, b),
        error: ShapeError,
        says: ['bmm', '[2,2,3]', '[3,3,2]'],
      },
    ],
  ],
  [
    'activations',
    [
      {
        name: 'leakyRelu with a NaN slope',
        inputs: f32([3]),
        call: ([a]) => nn.leakyRelu(a, Number.NaN),
        error: ValueError,
        says: ['leakyRelu', 'NaN'],
      },
      {
        name: 'elu with an infinite alpha',
        inputs: f32([3]),
        call: ([a]) => nn.elu(a, Number.POSITIVE_INFINITY),
        error: ValueError,
        says: ['elu', 'Infinity'],
      },
      {
        name: 'gelu with an unknown approximation',
        inputs: f32([3]),
        call: ([a]) => nn.gelu(a, { approximate: 'fast' as 'tanh' }),
        error: ValueError,
        says: ['gelu', 'fast'],
      },
      {
        name: 'softplus with beta 0',
        inputs: f32([3]),
        call: ([a]) => nn.softplus(a, { beta: 0 }),
        error: ValueError,
        says: ['softplus', 'beta=0'],
      },
      {
        name: 'sigmoid of a bool tensor',
        inputs: () => [nn.tensor([true])],
        call: ([a]) => nn.sigmoid(a),
        error: DTypeError,
        says: ['sigmoid', 'bool'],
      },
      {
        name: 'logSoftmax along a dim out of range',
        inputs: f32([3]),
        call: ([a]) => nn.logSoftmax(a, 1),
        error: IndexError,
        says: ['logSoftmax', 'dim 1'],
      },
    ],
  ],
  [
    'autograd misuse',
    [
      {
        name: 'backward of a non-scalar without a gradient',
        inputs: () => {
          const w = nn.tensor(
            [
              [1, 2, 3],
              [4, 5, 6],
            ],
            { requiresGrad: true },
          );
          return [w, nn.mul(w, 2)];
        },
        call: ([, y]) => y.backward(),
        error: AutogradError,
        says: ['backward', '[2,3]'],
      },
      {
        name: 'backward of a tensor outside any graph',
        inputs: () => {
          const a = f32([3])()[0];
          return [a, nn.sum(a)];
        },
        call: ([, s]) => s.backward(),
        error: AutogradError,
        says: ['backward'],
      },
      {
        name: 'backward with a gradient of the wrong shape',
        inputs: () => {
          const w = nn.tensor(
            [
              [1, 2, 3],
              [4, 5, 6],
            ],
            { requiresGrad: true },
          );
          return [w, nn.mul(w, 2), nn.ones([3, 2])];
        },
        call: ([, y, g]) => y.backward(g),
        error: ShapeError,
        says: ['backward', '[2,3]', '[3,2]'],
      },
      {
        name: 'a second backward through a freed graph',
        inputs: () => {
          const w = nn.tensor([1, 2, 3], { requiresGrad: true });
          const loss = nn.sum(nn.mul(w, w));
          loss.backward();
          return [w, loss];
        },
        call: ([, loss]) => loss.backward(),
        error: AutogradError,
        says: ['backward', 'retainGraph'],
      },
      {
        name: 'requiresGrad on an int tensor',
        inputs: () => [nn.arange(0, 3)],
        call: ([a]) => a.requiresGrad_(),
        error: DTypeError,
        says: ['requiresGrad', 'int32'],
      },
      {
        name: 'turning requiresGrad off on a non-leaf',
        inputs: () => {
          const w = nn.tensor([1, 2], { requiresGrad: true });
          return [w, nn.mul(w, 3)];
        },
        call: ([, y]) => {
          y.requiresGrad = false;
        },
        error: AutogradError,
        says: ['requiresGrad', 'detach'],
      },
    ],
  ],
  [
    'attention',
    [
      {
        name: 'sdpa of a 1-d query',
        inputs: () => [...f32([4])(), ...f32([3, 4])(), ...f32([3, 4])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v),
        error: ShapeError,
        says: ['scaledDotProductAttention', 'query', '[4]'],
      },
      {
        name: 'sdpa with key features unlike the query',
        inputs: () => [...f32([2, 3, 4])(), ...f32([2, 5, 3])(), ...f32([2, 5, 4])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v),
        error: ShapeError,
        says: ['scaledDotProductAttention', 'key', '[2,5,3]', '4'],
      },
      {
        name: 'sdpa with fewer values than keys',
        inputs: () => [...f32([2, 3, 4])(), ...f32([2, 5, 4])(), ...f32([2, 6, 4])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v),
        error: ShapeError,
        says: ['scaledDotProductAttention', 'value', '[2,6,4]', '[2,5,4]'],
      },
      {
        name: 'sdpa with batch dims that do not broadcast',
        inputs: () => [...f32([2, 3, 4])(), ...f32([3, 5, 4])(), ...f32([3, 5, 4])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v),
        error: ShapeError,
        says: ['scaledDotProductAttention', '[2]', '[3]'],
      },
      {
        name: 'sdpa with an int query',
        inputs: () => [nn.ones([2, 3], { dtype: 'int32' }), ...f32([5, 3])(), ...f32([5, 3])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v),
        error: DTypeError,
        says: ['scaledDotProductAttention', 'int32'],
      },
      {
        name: 'sdpa with an int mask',
        inputs: () => [
          ...f32([2, 3])(),
          ...f32([5, 3])(),
          ...f32([5, 3])(),
          nn.ones([2, 5], { dtype: 'int32' }),
        ],
        call: ([q, k, v, m]) => nn.scaledDotProductAttention(q, k, v, { attnMask: m }),
        error: DTypeError,
        says: ['scaledDotProductAttention', 'attnMask', 'int32'],
      },
      {
        name: 'sdpa with a mask of the wrong size',
        inputs: () => [
          ...f32([2, 3])(),
          ...f32([5, 3])(),
          ...f32([5, 3])(),
          nn.ones([2, 4], { dtype: 'bool' }),
        ],
        call: ([q, k, v, m]) => nn.scaledDotProductAttention(q, k, v, { attnMask: m }),
        error: ShapeError,
        says: ['scaledDotProductAttention', 'attnMask', '[2,4]', '[..., 2, 5]'],
      },
      {
        name: 'sdpa with both a mask and isCausal',
        inputs: () => [
          ...f32([2, 3])(),
          ...f32([2, 3])(),
          ...f32([2, 3])(),
          nn.ones([2, 2], { dtype: 'bool' }),
        ],
        call: ([q, k, v, m]) => nn.scaledDotProductAttention(q, k, v, { attnMask: m, isCausal: true }),
        error: ValueError,
        says: ['scaledDotProductAttention', 'attnMask', 'isCausal'],
      },
      {
        name: 'sdpa with dropoutP above 1',
        inputs: () => [...f32([2, 3])(), ...f32([2, 3])(), ...f32([2, 3])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v, { dropoutP: 1.5 }),
        error: ValueError,
        says: ['scaledDotProductAttention', 'dropoutP', '1.5'],
      },
      {
        name: 'sdpa with a NaN scale',
        inputs: () => [...f32([2, 3])(), ...f32([2, 3])(), ...f32([2, 3])()],
        call: ([q, k, v]) => nn.scaledDotProductAttention(q, k, v, { scale: Number.NaN }),
        error: ValueError,
        says: ['scaledDotProductAttention', 'scale', 'NaN'],
      },
    ],
  ],
];

/** Values, grads and flags of the inputs, to prove that a failed call left them alone. */
async function snapshot(xs: Tensor[]): Promise<unknown[]> {
  return Promise.all(
    xs.map(async (t) => ({
      shape: [...t.shape],
      dtype: t.dtype,
      values: Array.from(await t.data()),
      requiresGrad: t.requiresGrad,
      grad: t.grad ? Array.from(await t.grad.data()) : null,
    })),
  );
}

/**
 * A backend that cannot read synchronously may run the op and report out-of-range index values
 * at the next read; the result's `data()` must then reject, and later reads must work again.
 */
async function expectDeferredIndexError(c: BadCase, xs: Tensor[]): Promise<void> {
  const mem = nn.memory();
  let result: unknown;
  try {
    result = c.call(xs);
  } catch (e) {
    // Reporting it at once is allowed too: then as on host-memory backends.
    expect(e, 'the call should throw or return a tensor').toBeInstanceOf(c.error);
    for (const part of c.says) expect((e as Error).message, `message of ${c.error.name}`).toContain(part);
    return;
  }
  expect(result, 'the call should return a tensor').toBeInstanceOf(nn.Tensor);
  const y = result as Tensor;
  let rejected: unknown = null;
  try {
    await y.data();
  } catch (e) {
    rejected = e;
  } finally {
    y.dispose();
  }
  expect(rejected, 'reading the result should reject').toBeInstanceOf(c.error);
  const message = (rejected as Error).message;
  for (const part of c.says) expect(message, `message of ${c.error.name}`).toContain(part);
  const after = nn.memory();
  expect(
    { numTensors: after.numTensors, numBytes: after.numBytes },
    'the result, once disposed, must leave nothing behind',
  ).toEqual({ numTensors: mem.numTensors, numBytes: mem.numBytes });
}

export function registerBadInputTests(ctx: SuiteContext): void {
  for (const [family, cases] of FAMILIES) {
    describe(`bad input: ${family}`, () => {
      for (const c of cases) {
        it(`${c.name} -> ${c.error.name}`, async () => {
          const xs = c.inputs?.() ?? [];
          try {
            const before = await snapshot(xs);
            // The same test the frontend makes before it checks index values.
            if (c.indexValues && !ctx.backend.readSync) {
              await expectDeferredIndexError(c, xs);
              // The snapshot reads again: the error was reported once, not left pending.
              expect(await snapshot(xs), 'the inputs are as they were and read again').toEqual(before);
              return;
            }
            const mem = nn.memory();
            let thrown: unknown = null;
            try {
              c.call(xs);
            } catch (e) {
              thrown = e;
            }
            expect(thrown, 'the call should throw').toBeInstanceOf(c.error);
            const message = (thrown as Error).message;
            for (const part of c.says) expect(message, `message of ${c.error.name}`).toContain(part);
            const after = nn.memory();
            expect(
              { numTensors: after.numTensors, numBytes: after.numBytes },
              'a failed call must not create or free tensors',
            ).toEqual({ numTensors: mem.numTensors, numBytes: mem.numBytes });
            expect(await snapshot(xs), 'a failed call must leave its inputs as they were').toEqual(before);
          } finally {
            for (const t of xs) t.zeroGrad();
            nn.dispose(xs);
          }
        });
      }
    });
  }
}
