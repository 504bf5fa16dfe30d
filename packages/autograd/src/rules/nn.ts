import {
  BackendError,
  type Conv2dParams,
  type FusedKernels,
  type Pool2dParams,
  type Storage,
  type Tensor,
} from '@nn/tensor';
import { fromStorage } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';
import { saved } from './util.js';

// These ops are recorded only on backends that have the whole fused family (the frontend falls
// back to composites elsewhere), so each rule calls the matching backward kernel directly.

function kernels(t: Tensor, op: string): FusedKernels {
  const f = t.backend.fused;
  if (!f) throw new BackendError(`${op} backward: the '${t.backendName}' backend has no fused kernels`);
  return f;
}

function like(t: Tensor, storage: Storage, shape: readonly number[]): Tensor {
  return fromStorage(t.backend, storage, t.dtype, shape);
}

export function registerNNRules(): void {
  defineGradient('conv2d', {
    saveInputs: true,
    backward: (c, [g]) => {
      const x = saved(c.inputs, 0);
      const w = saved(c.inputs, 1);
      const p = c.attrs.params as Conv2dParams;
      const dy = (g as Tensor).contiguous();
      const f = kernels(dy, 'conv2d');
      return [
        c.needsGrad[0] ? like(dy, f.conv2dBackwardInput!(dy, w, p, x.shape), x.shape) : null,
        c.needsGrad[1] ? like(dy, f.conv2dBackwardWeight!(x, dy, p, w.shape), w.shape) : null,
      ];
    },
  });
  // Inputs are [x, indices]: the argmax positions ride along as a second, non-differentiable input.
  defineGradient('maxPool2d', {
    saveInputs: [1],
    backward: (c, [g]) => {
      const indices = saved(c.inputs, 1);
      const dy = (g as Tensor).contiguous();
      const xShape = c.inputShapes[0];
      return [like(dy, kernels(dy, 'maxPool2d').maxPool2dBackward!(dy, indices, xShape), xShape), null];
    },
  });
  defineGradient('avgPool2d', {
    backward: (c, [g]) => {
      const dy = (g as Tensor).contiguous();
      const xShape = c.inputShapes[0];
      const p = c.attrs.params as Pool2dParams;
      const include = c.attrs.countIncludePad as boolean;
      return [like(dy, kernels(dy, 'avgPool2d').avgPool2dBackward!(dy, p, include, xShape), xShape)];
    },
  });
}
