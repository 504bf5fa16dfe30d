import { arange, DTypeError, isTensor, type Tensor, tensor, tidy, ValueError } from '@nn/tensor';

/**
 * One-hot rows for integer class labels: `[N]` labels give a float32 `[N, numClasses]` tensor.
 * Labels from a host array are range-checked; tensor labels are checked too when their backend
 * reads synchronously (on WebGPU an out-of-range label gives an all-zero row).
 */
export function oneHot(labels: Tensor | ArrayLike<number>, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ValueError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  if (isTensor(labels) && labels.dtype !== 'int32') {
    throw new DTypeError(`oneHot: labels must be int32 class indices, got ${labels.dtype}`);
  }
  const host = isTensor(labels) ? (labels.backend.readSync ? labels.dataSync() : null) : labels;
  if (host) {
    for (let i = 0; i < host.length; i++) {
      const v = host[i];
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw new ValueError(
          `oneHot: label ${v} at position ${i} is not a class index in [0, ${numClasses})`,
        );
      }
    }
  }
  return tidy(() => {
    const y = isTensor(labels) ? labels : tensor(Int32Array.from(labels as ArrayLike<number>));
    return y
      .unsqueeze(-1)
      .eq(arange(0, numClasses, 1, { backend: y.backendName }))
      .float();
  });
}
