import { type FusedActivation, reshape, sizeOf, sum, type Tensor, transpose } from '@nn/tensor';
import { batchedMatmul, reluBackward } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

/**
 * Gradients of y = act(x wᵀ + b): the activation's first (relu needs only y), then the GEMMs of a
 * Linear layer on [M, in] / [M, out] matrices; the weight's comes out [out, in] directly.
 */
function linearGrads(
  x: Tensor,
  w: Tensor,
  y: Tensor,
  activation: FusedActivation,
  g: Tensor,
  needs: readonly boolean[],
): (Tensor | null)[] {
  const [outF, inF] = w.shape;
  const m = sizeOf(x.shape.slice(0, -1));
  const gz = activation === 'relu' ? reluBackward(y, g) : g;
  const g2 = reshape(gz, [m, outF]);
  return [
    needs[0] ? reshape(batchedMatmul(g2, w), x.shape) : null,
    needs[1] ? batchedMatmul(transpose(g2, 0, 1), reshape(x, [m, inF])) : null,
    needs[2] ? sum(g2, { dim: 0 }) : null,
  ];
}

export function registerLinearRules(): void {
  // The mask of relu's gradient is a recorded op of its own: gradients of gradients go through it.
  defineGradient('reluBackward', {
    saveInputs: [0],
    backward: ({ inputs: [x], needsGrad }, g) => [null, needsGrad[1] ? reluBackward(x, g) : null],
  });
  defineGradient('linear', {
    saveInputs: [0, 1],
    saveOutputs: [0],
    backward: ({ inputs: [x, w], outputs: [y], attrs: { activation }, needsGrad }, g) => {
      const [dx, dw, db] = linearGrads(x, w, y, activation, g, needsGrad);
      return [dx, dw, db];
    },
  });
  defineGradient('linearNoBias', {
    saveInputs: [0, 1],
    saveOutputs: [0],
    backward: ({ inputs: [x, w], outputs: [y], attrs: { activation }, needsGrad }, g) => {
      const [dx, dw] = linearGrads(x, w, y, activation, g, needsGrad);
      return [dx, dw];
    },
  });
}
