import type { FusedKernels, Storage, TypedArray } from '@nn/tensor';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv2d.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';

/** The cpu conv and pooling kernels; `track` counts each new array in the backend's memory. */
export function nnKernels(track: (s: TypedArray) => Storage): FusedKernels {
  return {
    conv2d: (x, w, p, outShape) => track(conv2d(x, w, p, outShape)),
    conv2dBackwardInput: (dy, w, p, xShape) => track(conv2dBackwardInput(dy, w, p, xShape)),
    conv2dBackwardWeight: (x, dy, p, wShape) => track(conv2dBackwardWeight(x, dy, p, wShape)),
    maxPool2d(x, p, outShape) {
      const r = maxPool2d(x, p, outShape);
      return { values: track(r.values), indices: track(r.indices) };
    },
    maxPool2dBackward: (dy, indices, xShape) => track(maxPool2dBackward(dy, indices, xShape)),
    avgPool2d: (x, p, include, outShape) => track(avgPool2d(x, p, include, outShape)),
    avgPool2dBackward: (dy, p, include, xShape) => track(avgPool2dBackward(dy, p, include, xShape)),
  };
}
