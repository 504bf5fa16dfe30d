import { cumsum, expand, flip, gather, pad, permute, reshape, roll, sizeOf, split, tensor } from '@nn/tensor';
import { scatterAddZeros } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';
import { sumToShape } from './util.js';

/** Positions in a contiguous input that a strided slice reads, in the slice's row-major order. */
function sliceIndices(outShape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = sizeOf(outShape);
  const out = new Int32Array(n);
  const rank = outShape.length;
  const coord = new Array<number>(rank).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = pos;
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]++;
      pos += strides[d];
      if (coord[d] < outShape[d]) break;
      pos -= coord[d] * strides[d];
      coord[d] = 0;
    }
  }
  return out;
}

/**
 * For a slice that is a block of the input (every step 1), the zero padding around it, in
 * `pad`'s order (last dim first, before/after); null for a slice with steps.
 */
function boxPadding(
  shape: readonly number[],
  outShape: readonly number[],
  strides: readonly number[],
  offset: number,
): number[] | null {
  if (outShape.length !== shape.length || shape.length === 0 || outShape.includes(0)) return null;
  const rank = shape.length;
  const dense = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    dense[d] = s;
    s *= shape[d];
  }
  const amounts: number[] = [];
  let rest = offset;
  const starts = new Array<number>(rank);
  for (let d = 0; d < rank; d++) {
    if (outShape[d] > 1 && strides[d] !== dense[d]) return null;
    starts[d] = Math.floor(rest / dense[d]);
    rest -= starts[d] * dense[d];
    if (starts[d] < 0 || starts[d] + outShape[d] > shape[d]) return null;
  }
  if (rest !== 0) return null;
  for (let d = rank - 1; d >= 0; d--) amounts.push(starts[d], shape[d] - starts[d] - outShape[d]);
  return amounts;
}

export function registerShapeRules(): void {
  defineGradient('clone', { backward: (_c, g) => [g] });
  defineGradient('reshape', { backward: ({ inputShapes: [shape] }, g) => [reshape(g, shape)] });
  defineGradient('permute', {
    backward: ({ attrs: { dims } }, g) => {
      const inverse = new Array<number>(dims.length);
      dims.forEach((d, i) => {
        inverse[d] = i;
      });
      return [permute(g, inverse)];
    },
  });
  defineGradient('expand', { backward: ({ inputShapes: [shape] }, g) => [sumToShape(g, shape)] });
  defineGradient('slice', {
    backward: ({ inputShapes: [shape], attrs }, g) => {
      const box = boxPadding(shape, g.shape, attrs.logicalStrides, attrs.logicalOffset);
      // A block of the input (narrow, split, chunk): its gradient is g padded with zeros, one
      // concatenation per padded dim, instead of a host-built index list and a scatter.
      if (box) return [pad(g, box)];
      const positions = sliceIndices(g.shape, attrs.logicalStrides, attrs.logicalOffset);
      const idx = tensor(positions, { backend: g.backendName });
      const flat = scatterAddZeros([sizeOf(shape)], 0, idx, reshape(g, [g.size]));
      return [reshape(flat, shape)];
    },
  });
  defineGradient('cat', { backward: ({ attrs: { sizes, dim } }, g) => split(g, sizes, dim) });
  defineGradient('toBackend', { backward: ({ attrs: { from } }, g) => [g.to(from)] });
  defineGradient('flip', { backward: ({ attrs: { dims } }, g) => [flip(g, dims)] });
  defineGradient('roll', {
    backward: ({ attrs: { shifts, dims } }, g) => [
      roll(
        g,
        shifts.map((s) => -s),
        dims,
      ),
    ],
  });
  // The gradient of a running sum is the running sum from the other end.
  defineGradient('cumsum', {
    backward: ({ inputShapes: [shape], attrs: { dim } }, g) =>
      shape.length === 0 ? [g] : [flip(cumsum(flip(g, dim), dim), dim)],
  });
  defineGradient('indexSelect', {
    saveInputs: [1],
    backward: ({ inputs: [, index], inputShapes: [shape], attrs: { dim } }, g) => {
      // The 1-D index broadcast along every other dim of the gradient.
      const column = reshape(
        index,
        g.shape.map((s, i) => (i === dim ? s : 1)),
      );
      return [scatterAddZeros(shape, dim, expand(column, g.shape), g), null];
    },
  });
  defineGradient('gather', {
    saveInputs: [1],
    backward: ({ inputs: [, index], inputShapes: [shape], attrs: { dim } }, g) => [
      scatterAddZeros(shape, dim, index, g),
      null,
    ],
  });
  // Inputs are [index, src]: the adjoint of gather, whose gradient is a gather again.
  defineGradient('scatterAdd', {
    saveInputs: [0],
    backward: ({ inputs: [index], attrs: { dim } }, g) => [null, gather(g, dim, index)],
  });
}
