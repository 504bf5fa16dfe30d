import {
  avgPool2dBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2dBackward,
} from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

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
}
