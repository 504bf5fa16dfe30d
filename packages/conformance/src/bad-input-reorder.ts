/** Bad input for the sorting, scan, reordering, masking, einsum, sampling and resampling ops. */
import * as nn from '@nn/tensor';
import { DTypeError, IndexError, ShapeError, type Tensor, ValueError } from '@nn/tensor';
import type { BadCase } from './bad-input.js';

const f32 = (shape: number[]) => (): Tensor[] => {
  const n = shape.reduce((a, b) => a * b, 1);
  return [
    nn.tensor(
      Float32Array.from({ length: n }, (_, i) => i - n / 3),
      { shape },
    ),
  ];
};
const bools = (shape: number[]) => (): Tensor[] => {
  const n = shape.reduce((a, b) => a * b, 1);
  return [
    nn.tensor(
      Uint8Array.from({ length: n }, (_, i) => i % 2),
      { shape, dtype: 'bool' },
    ),
  ];
};
const with2 = (a: () => Tensor[], b: () => Tensor[]) => (): Tensor[] => [...a(), ...b()];

export const REORDER_FAMILIES: [string, BadCase[]][] = [
  [
    'sorting and running sums',
    [
      {
        name: 'sort along a dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.sort(a, 2),
        error: IndexError,
        says: ['sort', 'dim 2', 'rank 2'],
      },
      {
        name: 'argsort with a non-boolean descending',
        inputs: f32([3]),
        call: ([a]) => nn.argsort(a, { descending: 1 as unknown as boolean }),
        error: ValueError,
        says: ['argsort', 'descending', '1'],
      },
      {
        name: 'topk with k larger than the dim',
        inputs: f32([2, 3]),
        call: ([a]) => nn.topk(a, 4),
        error: ValueError,
        says: ['topk', '0..3', '[2,3]', '4'],
      },
      {
        name: 'topk with a fractional k',
        inputs: f32([5]),
        call: ([a]) => nn.topk(a, 1.5),
        error: ValueError,
        says: ['topk', '1.5'],
      },
      {
        name: 'cumsum along a dim out of range',
        inputs: f32([2, 3]),
        call: ([a]) => nn.cumsum(a, -3),
        error: IndexError,
        says: ['cumsum', 'dim -3'],
      },
      {
        name: 'cumprod with an unknown dtype',
        inputs: f32([3]),
        call: ([a]) => nn.cumprod(a, 0, { dtype: 'float16' as nn.DType }),
        error: DTypeError,
        says: ['cumprod', 'float16'],
      },
    ],
  ],
  [
    'reordering and masking',
    [
      {
        name: 'flip with a repeated dim',
        inputs: f32([2, 3]),
        call: ([a]) => nn.flip(a, [1, -1]),
        error: ValueError,
        says: ['flip', 'repeats'],
      },
      {
        name: 'flip with a fractional dim',
        inputs: f32([2, 3]),
        call: ([a]) => nn.flip(a, 0.5),
        error: ValueError,
        says: ['flip', 'dims', '0.5'],
      },
      {
        name: 'roll with more shifts than dims',
        inputs: f32([2, 3]),
        call: ([a]) => nn.roll(a, [1, 2], [0]),
        error: ShapeError,
        says: ['roll', 'shifts [1, 2]', 'dims [0]'],
      },
      {
        name: 'roll without dims but two shifts',
        inputs: f32([4]),
        call: ([a]) => nn.roll(a, [1, 2]),
        error: ValueError,
        says: ['roll', 'one integer'],
      },
      {
        name: 'repeat with fewer repeats than dims',
        inputs: f32([2, 3]),
        call: ([a]) => nn.repeat(a, [2]),
        error: ShapeError,
        says: ['repeat', '(1)', '[2,3]'],
      },
      {
        name: 'tile with a negative count',
        inputs: f32([2]),
        call: ([a]) => nn.tile(a, [-1]),
        error: ValueError,
        says: ['tile', '-1'],
      },
      {
        name: 'tril of a vector',
        inputs: f32([4]),
        call: ([a]) => nn.tril(a),
        error: ShapeError,
        says: ['tril', 'at least 2 dims', '[4]'],
      },
      {
        name: 'triu with a fractional diagonal',
        inputs: f32([2, 2]),
        call: ([a]) => nn.triu(a, 0.5),
        error: ValueError,
        says: ['triu', 'diagonal', '0.5'],
      },
      {
        name: 'maskedFill with a float mask',
        inputs: with2(f32([2, 3]), f32([2, 3])),
        call: ([a, m]) => nn.maskedFill(a, m, 0),
        error: DTypeError,
        says: ['maskedFill', 'bool', 'float32', '[2,3]'],
      },
      {
        name: 'maskedFill with a mask that does not broadcast',
        inputs: with2(f32([2, 3]), bools([4])),
        call: ([a, m]) => nn.maskedFill(a, m, 0),
        error: ShapeError,
        says: ['maskedFill', '[2,3]', '[4]'],
      },
      {
        name: 'maskedFill with a 1-d value tensor',
        inputs: with2(with2(f32([2, 3]), bools([2, 3])), f32([1])),
        call: ([a, m, v]) => nn.maskedFill(a, m, v),
        error: ShapeError,
        says: ['maskedFill', '0-dimensional', '[1]'],
      },
      {
        name: 'maskedFill of an int tensor with -Infinity',
        inputs: with2(() => [nn.arange(0, 4)], bools([4])),
        call: ([a, m]) => nn.maskedFill(a, m, Number.NEGATIVE_INFINITY),
        error: ValueError,
        says: ['maskedFill', '-Infinity', 'int32'],
      },
    ],
  ],
  [
    'einsum and outer',
    [
      {
        name: 'einsum with too few operands',
        inputs: f32([2, 3]),
        call: ([a]) => nn.einsum('ij,jk->ik', a),
        error: ValueError,
        says: ['einsum', '2 input term(s)', '1 operand(s)'],
      },
      {
        name: 'einsum with mismatched sizes',
        inputs: with2(f32([2, 3]), f32([4, 5])),
        call: ([a, b]) => nn.einsum('ij,jk->ik', a, b),
        error: ShapeError,
        says: ['einsum', "'j'", '3 and 4'],
      },
      {
        name: 'einsum with a term of the wrong rank',
        inputs: f32([2, 3]),
        call: ([a]) => nn.einsum('ijk->i', a),
        error: ShapeError,
        says: ['einsum', 'ijk', '[2,3]'],
      },
      {
        name: 'einsum with a diagonal',
        inputs: f32([3, 3]),
        call: ([a]) => nn.einsum('ii->i', a),
        error: ValueError,
        says: ['einsum', "'i'", 'diagonals'],
      },
      {
        name: 'einsum with an unknown output label',
        inputs: f32([2, 3]),
        call: ([a]) => nn.einsum('ij->k', a),
        error: ValueError,
        says: ['einsum', "'k'", 'no input'],
      },
      {
        name: 'einsum with a digit label',
        inputs: f32([2, 3]),
        call: ([a]) => nn.einsum('i1->i', a),
        error: ValueError,
        says: ['einsum', "'1'", 'letters'],
      },
      {
        name: 'einsum of int tensors',
        inputs: () => [nn.arange(0, 3)],
        call: ([a]) => nn.einsum('i->', a),
        error: DTypeError,
        says: ['einsum', 'floating point', 'int32'],
      },
      {
        name: 'outer of a matrix',
        inputs: with2(f32([2, 2]), f32([3])),
        call: ([a, b]) => nn.outer(a, b),
        error: ShapeError,
        says: ['outer', '1-D', '[2,2]'],
      },
    ],
  ],
  [
    'sampling and resampling',
    [
      {
        name: 'multinomial of 3-d weights',
        inputs: f32([2, 2, 2]),
        call: ([a]) => nn.multinomial(a, 1),
        error: ShapeError,
        says: ['multinomial', '1-D or 2-D', '[2,2,2]'],
      },
      {
        name: 'multinomial of int weights',
        inputs: () => [nn.arange(1, 4)],
        call: ([a]) => nn.multinomial(a, 1),
        error: DTypeError,
        says: ['multinomial', 'int32'],
      },
      {
        name: 'multinomial without replacement, more samples than categories',
        inputs: () => [nn.ones([3])],
        call: ([a]) => nn.multinomial(a, 4),
        error: ValueError,
        says: ['multinomial', '4 samples', '3 categories'],
      },
      {
        name: 'multinomial with zero samples',
        inputs: () => [nn.ones([3])],
        call: ([a]) => nn.multinomial(a, 0, { replacement: true }),
        error: ValueError,
        says: ['multinomial', 'numSamples', '0'],
      },
      {
        name: 'interpolate with both size and scaleFactor',
        inputs: f32([1, 1, 4]),
        call: ([a]) => nn.interpolate(a, { size: 8, scaleFactor: 2 }),
        error: ValueError,
        says: ['interpolate', 'exactly one'],
      },
      {
        name: 'interpolate bilinear of a 3-d input',
        inputs: f32([1, 1, 4]),
        call: ([a]) => nn.interpolate(a, { size: 8, mode: 'bilinear' }),
        error: ShapeError,
        says: ['interpolate', "'bilinear'", '4-D', '[1,1,4]'],
      },
      {
        name: 'interpolate nearest with alignCorners',
        inputs: f32([1, 1, 4]),
        call: ([a]) => nn.interpolate(a, { size: 8, alignCorners: true }),
        error: ValueError,
        says: ['interpolate', 'alignCorners', "'nearest'"],
      },
      {
        name: 'interpolate with an unknown mode',
        inputs: f32([1, 1, 4, 4]),
        call: ([a]) => nn.interpolate(a, { size: 8, mode: 'bicubic' as nn.InterpolateMode }),
        error: ValueError,
        says: ['interpolate', "'bicubic'"],
      },
      {
        name: 'interpolate to an empty size',
        inputs: f32([1, 1, 4]),
        call: ([a]) => nn.interpolate(a, { scaleFactor: 0.1 }),
        error: ShapeError,
        says: ['interpolate', 'output size 0'],
      },
      {
        name: 'groupNorm with channels not divisible by groups',
        inputs: f32([2, 6, 3]),
        call: ([a]) => nn.groupNorm(a, 4),
        error: ShapeError,
        says: ['groupNorm', '6 channels', '4 groups'],
      },
      {
        name: 'pixelShuffle with channels not divisible by r²',
        inputs: f32([1, 6, 2, 2]),
        call: ([a]) => nn.pixelShuffle(a, 2),
        error: ShapeError,
        says: ['pixelShuffle', '[1,6,2,2]', '4'],
      },
      {
        name: 'convTranspose2d with the wrong input channels',
        inputs: with2(f32([1, 3, 4, 4]), f32([2, 2, 3, 3])),
        call: ([a, w]) => nn.convTranspose2d(a, w),
        error: ShapeError,
        says: ['convTranspose2d', '[2,2,3,3]', '[1,3,4,4]'],
      },
      {
        name: 'convTranspose2d with outputPadding not below stride or dilation',
        inputs: with2(f32([1, 2, 4, 4]), f32([2, 2, 3, 3])),
        call: ([a, w]) => nn.convTranspose2d(a, w, null, { stride: 2, outputPadding: 2 }),
        error: ValueError,
        says: ['convTranspose2d', 'outputPadding', 'stride 2'],
      },
      {
        name: 'convTranspose1d of an unbatched input with a bad bias',
        inputs: with2(with2(f32([2, 4]), f32([2, 3, 3])), f32([2])),
        call: ([a, w, b]) => nn.convTranspose1d(a, w, b),
        error: ShapeError,
        says: ['convTranspose1d', 'bias', '[3]', '[2]'],
      },
    ],
  ],
];
