import {
  div,
  eq,
  exp,
  expand,
  mul,
  reshape,
  type Storage,
  sub,
  sum,
  type Tensor,
  unsqueeze,
} from '@nn/tensor';
import { fromStorage, scatterAddZeros } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';
import { saved } from './util.js';

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

export function registerReduceRules(): void {
  defineGradient('sum', {
    backward: (c, [g]) => {
      const shape = c.inputShapes[0];
      return [expand(reshape(g as Tensor, keptShape(shape, c.attrs.dims as number[])), shape)];
    },
  });
  defineGradient('prod', {
    saveInputs: true,
    saveOutputs: true,
    backward: (c, [g]) => {
      const x = saved(c.inputs, 0);
      const k = keptShape(x.shape, c.attrs.dims as number[]);
      const y = reshape(saved(c.outputs, 0), k);
      return [div(mul(reshape(g as Tensor, k), y), x)];
    },
  });
  // amax/amin (and max/min of all elements) share the gradient evenly between tied extrema.
  for (const op of ['amax', 'amin']) {
    defineGradient(op, {
      saveInputs: true,
      saveOutputs: true,
      backward: (c, [g]) => {
        const x = saved(c.inputs, 0);
        const dims = c.attrs.dims as number[];
        const k = keptShape(x.shape, dims);
        const mask = eq(x, reshape(saved(c.outputs, 0), k)).to(x.dtype);
        const count = sum(mask, { dim: dims, keepdim: true });
        return [mul(div(reshape(g as Tensor, k), count), mask)];
      },
    });
  }
  // max/min along a dim route the gradient to the returned index only.
  for (const op of ['maxDim', 'minDim']) {
    defineGradient(op, {
      saveOutputs: true,
      backward: (c, [g]) => {
        const shape = c.inputShapes[0];
        if (shape.length === 0) return [g];
        const dim = c.attrs.dim as number;
        const idx = unsqueeze(saved(c.outputs, 1), dim);
        return [scatterAddZeros(shape, dim, idx, unsqueeze(g as Tensor, dim))];
      },
    });
  }
  defineGradient('softmax', {
    saveOutputs: true,
    backward: (c, [g]) => {
      const y = saved(c.outputs, 0);
      const dim = c.attrs.dim as number;
      const log = c.attrs.log as boolean;
      const gy = g as Tensor;
      const fused = y.backend.fused?.softmaxBackward;
      if (fused) {
        const gc = gy.contiguous();
        const yc = y.contiguous();
        return [fromFused(y, fused(yc, gc, dim, log))];
      }
      if (log) return [sub(gy, mul(exp(y), sum(gy, { dim, keepdim: true })))];
      return [mul(y, sub(gy, sum(mul(gy, y), { dim, keepdim: true })))];
    },
  });
}

function fromFused(like: Tensor, storage: Storage): Tensor {
  return fromStorage(like.backend, storage, like.dtype, like.shape);
}
