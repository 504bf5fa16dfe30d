import { type Tensor, transpose } from '@nn/tensor';
import { batchedMatmul } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

/** True when the last two dims are laid out column by column: a transposed view, as Linear's Wᵀ. */
function columnMajor(t: Tensor): boolean {
  const r = t.ndim;
  return t.shape[r - 2] > 1 && t.shape[r - 1] > 1 && t.strides[r - 2] === 1;
}

const T = (t: Tensor): Tensor => transpose(t, -1, -2);

export function registerMatmulRules(): void {
  // Operands reach the kernel already broadcast to equal batch dims; the expand rule sums them back.
  // Each operand's gradient takes that operand's layout, as PyTorch's mm backward does: for a
  // transposed view the product is computed transposed, so the gradient reaching the weight of a
  // Linear layer is contiguous instead of being copied into place.
  defineGradient('matmul', {
    saveInputs: [0, 1],
    backward: ({ inputs: [a, b], needsGrad }, gy) => {
      const gradA = (): Tensor => (columnMajor(a) ? T(batchedMatmul(b, T(gy))) : batchedMatmul(gy, T(b)));
      const gradB = (): Tensor => (columnMajor(b) ? T(batchedMatmul(T(gy), a)) : batchedMatmul(T(a), gy));
      return [needsGrad[0] ? gradA() : null, needsGrad[1] ? gradB() : null];
    },
  });
}
