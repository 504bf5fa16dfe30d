import { type Conv2dParams, conv2d, narrow, type Tensor, tidy } from '@nn/tensor';
import {
  avgPool2dBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dBiasBackward,
  maxPool2dBackward,
  scaledDotProductAttentionBackward,
} from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

/**
 * conv2d of the output gradient: x's gradient for y = convTranspose2d(x, w). An outputPadding
 * allowed by the dilation (not below the stride) makes conv2d see extra trailing rows or columns,
 * past x's size; they are cut off.
 */
function transposedInputGrad(g: Tensor, w: Tensor, p: Conv2dParams, xShape: readonly number[]): Tensor {
  return tidy(() => {
    const dx = conv2d(g, w, null, {
      stride: [...p.stride],
      padding: [...p.padding],
      dilation: [...p.dilation],
      groups: p.groups,
    });
    return narrow(narrow(dx, 2, 0, xShape[2]), 3, 0, xShape[3]);
  });
}

// @nn/tensor records these ops where the backend has the fused forward kernel; their gradients are
// tensor-level ops that pick the fused backward kernel or a composite.
export function registerNNRules(): void {
  defineGradient('conv2d', {
    saveInputs: [0, 1],
    backward: ({ inputs: [x, w], attrs: { params }, needsGrad }, g) => [
      needsGrad[0] ? conv2dBackwardInput(g, w, params, x.shape) : null,
      needsGrad[1] ? conv2dBackwardWeight(x, g, params, w.shape) : null,
    ],
  });
  // relu's mask from the output (y > 0 exactly where the pre-activation is), then conv2d's gradients;
  // the bias's is the gradient summed over every position of its channel. One fused kernel where
  // the backend has it (conv2dBiasBackward picks).
  defineGradient('conv2dBias', {
    saveInputs: [0, 1],
    saveOutputs: [0],
    backward: ({ inputs: [x, w], outputs: [y], attrs: { params, activation }, needsGrad }, g) =>
      conv2dBiasBackward(x, w, y, g, params, activation, needsGrad),
  });
  // A transposed convolution is conv2d's input gradient, so its own gradients are conv2d
  // (for the input) and conv2d's weight gradient with the roles of input and output swapped.
  defineGradient('convTranspose2d', {
    saveInputs: [0, 1],
    backward: ({ inputs: [x, w], attrs: { params: p }, needsGrad }, g) => [
      needsGrad[0] ? transposedInputGrad(g, w, p, x.shape) : null,
      needsGrad[1] ? conv2dBackwardWeight(g, x, p, w.shape) : null,
    ],
  });
  // Inputs are [x, indices]: the argmax positions ride along as a second, non-differentiable input.
  defineGradient('maxPool2d', {
    saveInputs: [1],
    backward: ({ inputs: [, indices], inputShapes: [xShape] }, g) => [
      maxPool2dBackward(g, indices, xShape),
      null,
    ],
  });
  defineGradient('avgPool2d', {
    backward: ({ inputShapes: [xShape], attrs: { params, countIncludePad } }, g) => [
      avgPool2dBackward(g, params, countIncludePad, xShape),
    ],
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
