import { recordOp, withGradMode } from '../../engine.js';
import { fmtShape, ShapeError } from '../../errors.js';
import { tidy } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { add, clamp, gt, log, mul, neg, sub, where } from '../elementwise.js';
import { assertTensor, backendOf } from '../util.js';

/**
 * max(log(x), -100), with log(0) taken as -100 explicitly: WGSL leaves log(0) to the
 * implementation (some GPUs give NaN or a finite value, not -Infinity), so 0 is never logged.
 */
function clampedLog(x: Tensor): Tensor {
  return clamp(where(gt(x, 0), log(x), -100), { min: -100 });
}

/**
 * Per-element binary cross entropy of probabilities `p` against `target` (same shape), as
 * PyTorch's `binary_cross_entropy` with reduction 'none': each log is clamped at -100, so a
 * probability of exactly 0 or 1 gives a finite loss, and the gradient (one recorded op, see its
 * rule in @nn/autograd) divides by max(p (1 - p), 1e-12), so it stays finite there too.
 */
export function binaryCrossEntropy(p: Tensor, target: Tensor): Tensor {
  const op = 'binaryCrossEntropy';
  assertTensor(op, 'input', p);
  assertTensor(op, 'target', target);
  if (p.ndim !== target.ndim || p.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(
      `${op}: target ${fmtShape(target.shape)} must have the input's shape ${fmtShape(p.shape)}`,
    );
  }
  backendOf(op, p, target);
  const y = withGradMode(
    false,
    () => tidy(() => neg(add(mul(target, clampedLog(p)), mul(sub(1, target), clampedLog(sub(1, p)))))),
    op,
  );
  recordOp('binaryCrossEntropy', [p, target], [y]);
  return y;
}
