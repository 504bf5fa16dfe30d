import { batchedMatmul, type Tensor, transpose } from '@nn/tensor';
import { defineGradient } from '../registry.js';
import { saved } from './util.js';

export function registerMatmulRules(): void {
  // Operands reach the kernel already broadcast to equal batch dims; the expand rule sums them back.
  defineGradient('matmul', {
    saveInputs: true,
    backward: (c, [g]) => {
      const a = saved(c.inputs, 0);
      const b = saved(c.inputs, 1);
      const gy = g as Tensor;
      return [
        c.needsGrad[0] ? batchedMatmul(gy, transpose(b, -1, -2)) : null,
        c.needsGrad[1] ? batchedMatmul(transpose(a, -1, -2), gy) : null,
      ];
    },
  });
}
