/**
 * Composite ops run their intermediates in tidy scopes: on every backend a call leaves exactly
 * its result behind (tensor count, bytes and the backend's own bytes in use), a forward and
 * backward pass leaves nothing once the result and the gradients are freed, and a call that
 * throws part-way frees what it made. One case per family of ops in @nn/tensor's ops/ and ops/nn/.
 */

import type { Tensor } from '@nn/tensor';
import * as nn from '@nn/tensor';
import { binaryCrossEntropy } from '@nn/tensor/internal';
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';

interface Footprint {
  numTensors: number;
  numBytes: number;
  bytesInUse: number;
}

function footprint(backend: string): Footprint {
  const m = nn.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, bytesInUse: m.backends[backend]?.bytesInUse ?? 0 };
}

/** What the ops under test return: a tensor, or values with their indices (pooling, max, topk). */
type Result = Tensor | { values: Tensor; indices: Tensor };

const free = (r: Result): void => nn.dispose(r instanceof nn.Tensor ? r : [r.values, r.indices]);

/** A case: its inputs (made before the count) and the call under test. */
interface Case {
  name: string;
  inputs: () => Tensor[];
  call: (xs: Tensor[]) => Result;
}

const randn = (...shape: number[]): Tensor => nn.randn(shape);
/** x and the bool mask x > 0, both made before the count. */
const withMask = (x: Tensor): Tensor[] => [x, nn.gt(x, 0)];
const ints = (values: number[], shape: number[]): Tensor => nn.tensor(values, { dtype: 'int32', shape });

const FORWARD: Case[] = [
  // pool.ts
  {
    name: 'maxPool2d, unbatched, padded',
    inputs: () => [randn(3, 6, 6)],
    call: ([x]) => nn.maxPool2d(x, { kernelSize: 3, padding: 1 }),
  },
  {
    name: 'maxPool2d with indices, ceil mode',
    inputs: () => [randn(2, 3, 5, 5)],
    call: ([x]) => nn.maxPool2d(x, { kernelSize: 2, ceilMode: true, returnIndices: true }),
  },
  {
    name: 'maxPool1d with indices, unbatched',
    inputs: () => [randn(3, 9)],
    call: ([x]) => nn.maxPool1d(x, { kernelSize: 3, stride: 2, returnIndices: true }),
  },
  {
    name: 'avgPool2d, unbatched, padded',
    inputs: () => [randn(3, 6, 6)],
    call: ([x]) => nn.avgPool2d(x, { kernelSize: 3, padding: 1, countIncludePad: false }),
  },
  {
    name: 'adaptiveAvgPool2d, uneven windows',
    inputs: () => [randn(2, 3, 7, 5)],
    call: ([x]) => nn.adaptiveAvgPool2d(x, [3, 2]),
  },
  // conv-transpose.ts (and conv.ts, windows.ts and pad.ts under its composite)
  {
    name: 'convTranspose2d, strided, bias, unbatched',
    inputs: () => [randn(4, 5, 5), randn(4, 3, 3, 3), randn(3)],
    call: ([x, w, b]) => nn.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
  },
  {
    name: 'convTranspose1d, grouped, dilated',
    inputs: () => [randn(2, 4, 7), randn(4, 3, 3)],
    call: ([x, w]) => nn.convTranspose1d(x, w, null, { groups: 2, dilation: 2, stride: 3 }),
  },
  {
    name: 'convTranspose3d, strided, bias',
    inputs: () => [randn(1, 2, 3, 3, 3), randn(2, 2, 2, 2, 2), randn(2)],
    call: ([x, w, b]) => nn.convTranspose3d(x, w, b, { stride: 2 }),
  },
  // elementwise.ts: the casts and scalars of the primitives, and the alpha forms.
  {
    name: 'add of int32 and float32',
    inputs: () => [ints([1, 2, 3, 4], [2, 2]), randn(2, 2)],
    call: ([a, b]) => nn.add(a, b),
  },
  {
    name: 'sub with alpha',
    inputs: () => [randn(3), randn(3)],
    call: ([a, b]) => nn.sub(a, b, { alpha: 2 }),
  },
  {
    name: 'where of a tensor and a number',
    inputs: () => withMask(randn(4)),
    call: ([a, m]) => nn.where(m, a, 0.5),
  },
  { name: 'exp of int32', inputs: () => [ints([0, 1, 2], [3])], call: ([a]) => nn.exp(a) },
  { name: 'logicalNot of float32', inputs: () => [randn(4)], call: ([a]) => nn.logicalNot(a) },
  // einsum.ts
  {
    name: 'einsum of three operands',
    inputs: () => [randn(2, 3), randn(3, 4), randn(4)],
    call: (xs) => nn.einsum('ij,jk,k->i', ...xs),
  },
  {
    name: 'einsum broadcasting with an ellipsis',
    inputs: () => [randn(2, 1, 3), randn(4, 3)],
    call: (xs) => nn.einsum('...j,kj->...k', ...xs),
  },
  { name: 'outer', inputs: () => [randn(3), randn(4)], call: ([a, b]) => nn.outer(a, b) },
  // cumulative.ts
  {
    name: 'cumsum of int32',
    inputs: () => [ints([1, 2, 3, 4, 5, 6], [2, 3])],
    call: ([a]) => nn.cumsum(a, 1),
  },
  { name: 'cumprod over 9 entries', inputs: () => [randn(9)], call: ([a]) => nn.cumprod(a, 0) },
  // mask.ts
  {
    name: 'maskedFill with a number',
    inputs: () => withMask(randn(2, 3)),
    call: ([a, m]) => nn.maskedFill(a, m, -1),
  },
  { name: 'tril', inputs: () => [randn(3, 3)], call: ([a]) => nn.tril(a, -1) },
  // matmul.ts
  {
    name: 'matmul vector by batch',
    inputs: () => [randn(3), randn(2, 3, 4)],
    call: ([a, b]) => nn.matmul(a, b),
  },
  {
    name: 'matmul batch by matrix',
    inputs: () => [randn(2, 5, 3), randn(3, 4)],
    call: ([a, b]) => nn.matmul(a, b),
  },
  {
    name: 'matmul broadcast batches',
    inputs: () => [randn(2, 1, 2, 3), randn(3, 3, 2)],
    call: ([a, b]) => nn.matmul(a, b),
  },
  // reduce.ts
  { name: 'sum of bool, keepdim', inputs: () => withMask(randn(3, 4)), call: ([, m]) => nn.sum(m, 1, true) },
  {
    name: 'argmax of everything, keepdim',
    inputs: () => [randn(3, 4)],
    call: ([a]) => nn.argmax(a, { keepdim: true }),
  },
  { name: 'max over a dim, keepdim', inputs: () => [randn(3, 4)], call: ([a]) => nn.max(a, 1, true) },
  // reorder.ts, take.ts
  { name: 'flip of two dims', inputs: () => [randn(3, 4)], call: ([a]) => nn.flip(a, [0, 1]) },
  { name: 'roll without dims', inputs: () => [randn(3, 4)], call: ([a]) => nn.roll(a, 5) },
  { name: 'roll of two dims', inputs: () => [randn(3, 4)], call: ([a]) => nn.roll(a, [1, -1], [0, 1]) },
  // repeat.ts
  { name: 'repeat', inputs: () => [randn(2, 3)], call: ([a]) => nn.repeat(a, [2, 1, 2]) },
  // sample.ts
  {
    name: 'multinomial without replacement',
    inputs: () => [nn.rand([2, 5])],
    call: ([a]) => nn.multinomial(a, 3),
  },
  {
    name: 'multinomial with replacement, 1-D',
    inputs: () => [nn.rand([5])],
    call: ([a]) => nn.multinomial(a, 4, { replacement: true }),
  },
  // shape.ts
  {
    name: 'reshape of a transposed tensor',
    inputs: () => {
      const a = randn(3, 4);
      return [a, nn.transpose(a, 0, 1)];
    },
    call: ([, t]) => nn.reshape(t, [12]),
  },
  {
    name: 'cat of int32 and float32',
    inputs: () => [ints([1, 2], [2]), randn(3)],
    call: ([a, b]) => nn.cat([a, b]),
  },
  { name: 'stack', inputs: () => [randn(2, 3), randn(2, 3)], call: (xs) => nn.stack(xs, 1) },
  // sort.ts
  { name: 'topk', inputs: () => [randn(3, 6)], call: ([a]) => nn.topk(a, 2) },
  // indexing.ts
  {
    name: 'scatterAdd',
    inputs: () => [randn(2, 3), ints([0, 1, 1, 0], [2, 2]), randn(2, 2)],
    call: ([x, i, s]) => nn.scatterAdd(x, 1, i, s),
  },
  // ops/nn
  {
    name: 'binaryCrossEntropy',
    inputs: () => [nn.rand([4]), nn.rand([4])],
    call: ([p, t]) => binaryCrossEntropy(p, t),
  },
  { name: 'dropout in training', inputs: () => [randn(3, 4)], call: ([a]) => nn.dropout(a, { p: 0.3 }) },
  {
    name: 'embedding with a padding row',
    inputs: () => {
      const w = randn(5, 3);
      w.requiresGrad = true;
      return [ints([0, 2, 4, 2], [2, 2]), w];
    },
    call: ([i, w]) => nn.embedding(i, w, { paddingIdx: 2 }),
  },
  {
    name: 'groupNorm with weight and bias',
    inputs: () => [randn(2, 4, 3), randn(4), randn(4)],
    call: ([x, w, b]) => nn.groupNorm(x, 2, w, b),
  },
  {
    name: 'interpolate bilinear',
    inputs: () => [randn(1, 2, 3, 4)],
    call: ([x]) => nn.interpolate(x, { size: [5, 7], mode: 'bilinear' }),
  },
  {
    name: 'interpolate nearest',
    inputs: () => [randn(1, 2, 4)],
    call: ([x]) => nn.interpolate(x, { scaleFactor: 2 }),
  },
  { name: 'pad and crop', inputs: () => [randn(2, 3, 4)], call: ([x]) => nn.pad(x, [1, -1, 2, 0, -1, 1]) },
  { name: 'pixelShuffle', inputs: () => [randn(1, 8, 2, 3)], call: ([x]) => nn.pixelShuffle(x, 2) },
  { name: 'pixelUnshuffle', inputs: () => [randn(1, 2, 4, 6)], call: ([x]) => nn.pixelUnshuffle(x, 2) },
];

/** Differentiable composites whose backward pass must release what the forward saved. */
const BACKWARD: Case[] = [
  {
    name: 'maxPool2d',
    inputs: () => [randn(1, 2, 5, 5)],
    call: ([x]) => nn.maxPool2d(x, { kernelSize: 2, padding: 1 }),
  },
  {
    name: 'avgPool2d',
    inputs: () => [randn(2, 5, 5)],
    call: ([x]) => nn.avgPool2d(x, { kernelSize: 3, stride: 2 }),
  },
  {
    name: 'adaptiveAvgPool2d',
    inputs: () => [randn(1, 2, 5, 7)],
    call: ([x]) => nn.adaptiveAvgPool2d(x, [2, 3]),
  },
  {
    name: 'convTranspose2d',
    inputs: () => [randn(1, 2, 4, 4), randn(2, 3, 3, 3), randn(3)],
    call: ([x, w, b]) => nn.convTranspose2d(x, w, b, { stride: 2 }),
  },
  {
    name: 'convTranspose1d',
    inputs: () => [randn(1, 2, 5), randn(2, 2, 3)],
    call: ([x, w]) => nn.convTranspose1d(x, w, null, { padding: 1 }),
  },
  { name: 'einsum', inputs: () => [randn(2, 3), randn(3, 4)], call: (xs) => nn.einsum('ij,jk->ik', ...xs) },
  {
    name: 'cumsum',
    inputs: () => [randn(2, 5)],
    call: ([a]) => nn.cumsum(a, 1),
  },
  { name: 'cumprod', inputs: () => [randn(2, 5)], call: ([a]) => nn.cumprod(a, 1) },
  { name: 'matmul of a vector', inputs: () => [randn(3), randn(2, 3, 4)], call: ([a, b]) => nn.matmul(a, b) },
  {
    name: 'flip',
    inputs: () => [randn(3, 4)],
    call: ([a]) => nn.flip(a, [0, 1]),
  },
  { name: 'roll', inputs: () => [randn(3, 4)], call: ([a]) => nn.roll(a, [1, 2], [1, 0]) },
  {
    name: 'groupNorm',
    inputs: () => [randn(2, 4, 3), randn(4), randn(4)],
    call: ([x, w, b]) => nn.groupNorm(x, 2, w, b),
  },
  {
    name: 'interpolate bilinear',
    inputs: () => [randn(1, 1, 3, 3)],
    call: ([x]) => nn.interpolate(x, { scaleFactor: 2, mode: 'bilinear' }),
  },
  { name: 'pad', inputs: () => [randn(2, 3)], call: ([x]) => nn.pad(x, [1, 2, -1, 0]) },
  { name: 'pixelShuffle', inputs: () => [randn(1, 4, 2, 2)], call: ([x]) => nn.pixelShuffle(x, 2) },
  {
    name: 'binaryCrossEntropy',
    inputs: () => [nn.rand([4]), nn.rand([4])],
    call: ([p, t]) => binaryCrossEntropy(p, t),
  },
];

/** Calls that fail after they have made tensors (a batch dim added, a dim padded). */
const THROWING: Case[] = [
  {
    name: 'pad whose crop of a later dim is too large',
    inputs: () => [randn(2, 3)],
    call: ([x]) => nn.pad(x, [1, 1, -2, -1]),
  },
  {
    name: 'convTranspose2d of an unbatched input with the wrong weight',
    inputs: () => [randn(3, 4, 4), randn(2, 3, 3, 3)],
    call: ([x, w]) => nn.convTranspose2d(x, w),
  },
  {
    name: 'maxPool2d of an unbatched input smaller than the kernel',
    inputs: () => [randn(2, 2, 2)],
    call: ([x]) => nn.maxPool2d(x, 3),
  },
];

export function registerCompositeMemoryTests(ctx: SuiteContext): void {
  describe('composites free their intermediates', () => {
    it.each(FORWARD)('$name leaves only its result', (c) => {
      const xs = c.inputs();
      const before = footprint(ctx.backend.name);
      free(c.call(xs));
      expect(footprint(ctx.backend.name)).toEqual(before);
      nn.dispose(xs);
    });

    it.each(BACKWARD)(
      '$name: forward and backward leave nothing once result and gradients are freed',
      (c) => {
        const xs = c.inputs();
        for (const x of xs) x.requiresGrad = true;
        const before = footprint(ctx.backend.name);
        const y = c.call(xs);
        const loss = nn.sum(y instanceof nn.Tensor ? y : y.values);
        loss.backward();
        expect(xs.every((x) => x.grad !== null)).toBe(true);
        free(y);
        loss.dispose();
        for (const x of xs) x.zeroGrad();
        expect(footprint(ctx.backend.name)).toEqual(before);
        nn.dispose(xs);
      },
    );

    it.each(THROWING)('$name throws and frees what it made', (c) => {
      const xs = c.inputs();
      const before = footprint(ctx.backend.name);
      expect(() => c.call(xs)).toThrow();
      expect(footprint(ctx.backend.name)).toEqual(before);
      nn.dispose(xs);
    });
  });
}
