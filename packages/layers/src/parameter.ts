import { installAutograd } from '@nn/autograd';
import {
  checkOptions,
  DTypeError,
  fmtShape,
  isFloat,
  isTensor,
  keep,
  type Tensor,
  ValueError,
} from '@nn/tensor';

const PARAMETERS = new WeakSet<Tensor>();

/**
 * Marks a tensor as a trainable parameter (PyTorch's `nn.Parameter`): it requires grad, is kept
 * out of every `tidy` scope, and is found by `Module.parameters()`. Installs autograd if needed,
 * so users make no extra call. Returns the same tensor.
 */
export function Parameter(data: Tensor, options: { requiresGrad?: boolean } = {}): Tensor {
  if (!isTensor(data))
    throw new ValueError(`Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}`);
  if (!isFloat(data.dtype))
    throw new DTypeError(
      `Parameter: parameters must be floating point, got ${data.dtype} of shape ${fmtShape(data.shape)}`,
    );
  const requiresGrad = checkOptions('Parameter', options, ['requiresGrad']).requiresGrad ?? true;
  if (requiresGrad) installAutograd();
  const p = data.isLeaf ? data : data.detach();
  if (requiresGrad) p.requiresGrad = true;
  keep(p);
  PARAMETERS.add(p);
  return p;
}

/** Whether a tensor was made a parameter by `Parameter` (what `Module` collects). */
export function isParameter(x: unknown): x is Tensor {
  return isTensor(x) && PARAMETERS.has(x);
}
