import { expand, gather, permute, reshape, sizeOf, split, type Tensor, tensor } from '@nn/tensor';
import { scatterAddZeros } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';
import { saved, sumToShape } from './util.js';

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

export function registerShapeRules(): void {
  defineGradient('clone', { backward: (_c, [g]) => [g] });
  defineGradient('reshape', { backward: (c, [g]) => [reshape(g as Tensor, c.inputShapes[0])] });
  defineGradient('permute', {
    backward: (c, [g]) => {
      const dims = c.attrs.dims as number[];
      const inverse = new Array<number>(dims.length);
      dims.forEach((d, i) => {
        inverse[d] = i;
      });
      return [permute(g as Tensor, inverse)];
    },
  });
  defineGradient('expand', { backward: (c, [g]) => [sumToShape(g as Tensor, c.inputShapes[0])] });
  defineGradient('slice', {
    backward: (c, [g]) => {
      const gy = g as Tensor;
      const inShape = c.inputShapes[0];
      const idx = tensor(
        sliceIndices(gy.shape, c.attrs.logicalStrides as number[], c.attrs.logicalOffset as number),
        {
          backend: gy.backendName,
        },
      );
      const flat = scatterAddZeros([sizeOf(inShape)], 0, idx, reshape(gy, [gy.size]));
      return [reshape(flat, inShape)];
    },
  });
  defineGradient('cat', {
    backward: (c, [g]) => split(g as Tensor, c.attrs.sizes as number[], c.attrs.dim as number),
  });
  defineGradient('toBackend', { backward: (c, [g]) => [(g as Tensor).to(c.attrs.from as string)] });
  defineGradient('indexSelect', {
    saveInputs: [1],
    backward: (c, [g]) => {
      const gy = g as Tensor;
      const index = saved(c.inputs, 1);
      const dim = c.attrs.dim as number;
      // The 1-D index broadcast along every other dim of the gradient.
      const column = reshape(
        index,
        gy.shape.map((s, i) => (i === dim ? s : 1)),
      );
      return [scatterAddZeros(c.inputShapes[0], dim, expand(column, gy.shape), gy), null];
    },
  });
  defineGradient('gather', {
    saveInputs: [1],
    backward: (c, [g]) => [
      scatterAddZeros(c.inputShapes[0], c.attrs.dim as number, saved(c.inputs, 1), g as Tensor),
      null,
    ],
  });
  // Inputs are [index, src]: the adjoint of gather, whose gradient is a gather again.
  defineGradient('scatterAdd', {
    saveInputs: [0],
    backward: (c, [g]) => [null, gather(g as Tensor, c.attrs.dim as number, saved(c.inputs, 0))],
  });
}
