import { div, eq, expand, mul, reshape, sum, unsqueeze } from '@nn/tensor';
import { scatterAddZeros, softmaxBackward } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';
import { keptShape } from './util.js';

export function registerReduceRules(): void {
  defineGradient('sum', {
    backward: ({ inputShapes: [shape], attrs: { dims } }, g) => [
      expand(reshape(g, keptShape(shape, dims)), shape),
    ],
  });
  defineGradient('prod', {
    saveInputs: [0],
    saveOutputs: [0],
    backward: ({ inputs: [x], outputs: [y], attrs: { dims } }, g) => {
      const k = keptShape(x.shape, dims);
      return [div(mul(reshape(g, k), reshape(y, k)), x)];
    },
  });
  // amax/amin (and max/min of all elements) share the gradient evenly between tied extrema.
  for (const op of ['amax', 'amin'] as const) {
    defineGradient(op, {
      saveInputs: [0],
      saveOutputs: [0],
      backward: ({ inputs: [x], outputs: [y], attrs: { dims } }, g) => {
        const k = keptShape(x.shape, dims);
        const mask = eq(x, reshape(y, k)).to(x.dtype);
        const count = sum(mask, { dim: dims, keepdim: true });
        return [mul(div(reshape(g, k), count), mask)];
      },
    });
  }
  // max/min along a dim route the gradient to the returned index only.
  for (const op of ['maxDim', 'minDim'] as const) {
    defineGradient(op, {
      saveOutputs: [1],
      backward: ({ inputShapes: [shape], outputs: [, indices], attrs: { dim } }, g) => {
        if (shape.length === 0) return [g];
        return [scatterAddZeros(shape, dim, unsqueeze(indices, dim), unsqueeze(g, dim))];
      },
    });
  }
  defineGradient('softmax', {
    saveOutputs: [0],
    backward: ({ outputs: [y], attrs: { dim, log } }, g) => [softmaxBackward(y, g, dim, log)],
  });
}
