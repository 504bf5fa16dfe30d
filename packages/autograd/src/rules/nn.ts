import { BackendError, type FusedKernels, type Storage, type Tensor } from '@nn/tensor';
import { fromStorage, scaledDotProductAttentionBackward } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

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
    saveInputs: [0, 1],
    backward: ({ inputs: [x, w], attrs: { params: p }, needsGrad }, g) => {
      const dy = g.contiguous();
      const f = kernels(dy, 'conv2d');
      return [
        needsGrad[0] ? like(dy, f.conv2dBackwardInput!(dy, w, p, x.shape), x.shape) : null,
        needsGrad[1] ? like(dy, f.conv2dBackwardWeight!(x, dy, p, w.shape), w.shape) : null,
      ];
    },
  });
  // A transposed convolution is conv2d's input gradient, so its own gradients are conv2d
  // (for the input) and conv2d's weight gradient with the roles of input and output swapped.
  defineGradient('convTranspose2d', {
    saveInputs: [0, 1],
    backward: ({ inputs: [x, w], attrs: { params: p }, needsGrad }, g) => {
      const dy = g.contiguous();
      const f = kernels(dy, 'convTranspose2d');
      return [
        needsGrad[0] ? like(dy, f.conv2d!(dy, w, p, x.shape), x.shape) : null,
        needsGrad[1] ? like(dy, f.conv2dBackwardWeight!(dy, x, p, w.shape), w.shape) : null,
      ];
    },
  });
  // Inputs are [x, indices]: the argmax positions ride along as a second, non-differentiable input.
  defineGradient('maxPool2d', {
    saveInputs: [1],
    backward: ({ inputs: [, indices], inputShapes: [xShape] }, g) => {
      const dy = g.contiguous();
      return [like(dy, kernels(dy, 'maxPool2d').maxPool2dBackward!(dy, indices, xShape), xShape), null];
    },
  });
  defineGradient('avgPool2d', {
    backward: ({ inputShapes: [xShape], attrs: { params, countIncludePad } }, g) => {
      const dy = g.contiguous();
      const f = kernels(dy, 'avgPool2d');
      return [like(dy, f.avgPool2dBackward!(dy, params, countIncludePad, xShape), xShape)];
    },
  });
  // Inputs [q, k, v] (and the mask) as the fused kernel saw them ([B, L, E] ...); outputs
  // [out, lse]. The tensor-level backward picks the fused backward kernel or its composite.
  const attention = (
    [q, k, v]: readonly [Tensor, Tensor, Tensor],
    mask: Tensor | null,
    [out, lse]: readonly [Tensor, Tensor],
    attrs: { scale: number; causal: boolean },
    needsGrad: readonly boolean[],
    dOut: Tensor,
  ): [Tensor | null, Tensor | null, Tensor | null] => {
    const g = scaledDotProductAttentionBackward({ dOut, q, k, v, mask, out, lse, ...attrs });
    return [needsGrad[0] ? g.dq : null, needsGrad[1] ? g.dk : null, needsGrad[2] ? g.dv : null];
  };
  defineGradient('scaledDotProductAttention', {
    saveInputs: [0, 1, 2],
    saveOutputs: [0, 1],
    backward: ({ inputs: [q, k, v], outputs, attrs, needsGrad }, dOut) =>
      attention([q, k, v], null, outputs, attrs, needsGrad, dOut),
  });
  defineGradient('scaledDotProductAttention:masked', {
    saveInputs: [0, 1, 2, 3],
    saveOutputs: [0, 1],
    backward: ({ inputs: [q, k, v, mask], outputs, attrs, needsGrad }, dOut) => [
      ...attention([q, k, v], mask, outputs, attrs, needsGrad, dOut),
      null,
    ],
  });
}
