import { recordOp, withGradMode } from '../../engine.js';
import { fmtShape, ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add, clamp, gt, log, mul, neg, sub, where } from '../elementwise.js';
import { assertTensor, backendOf } from '../util.js';

/**
 * max(log(x), -100), with log(0) taken as -100 explicitly: WGSL leaves log(0) to the
 * implementation (some GPUs give NaN or a finite value, not -Infinity), so 0 is never logged.
 */
function clampedLog(x: Tensor): Tensor {
  const positive = gt(x, 0);
  const logged = log(x);
  const picked = where(positive, logged, -100);
  const out = clamp(picked, { min: -100 });
  for (const t of [positive, logged, picked]) t.dispose();
  return out;
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
    () => {
      const logP = clampedLog(p);
      const oneMinusP = sub(1, p);
      const log1mP = clampedLog(oneMinusP);
      const oneMinusT = sub(1, target);
      const a = mul(target, logP);
      const b = mul(oneMinusT, log1mP);
      const s = add(a, b);
      const out = neg(s);
      for (const t of [logP, oneMinusP, log1mP, oneMinusT, a, b, s]) t.dispose();
      return out;
    },
    op,
  );
  recordOp('binaryCrossEntropy', [p, target], [y]);
  return y;
}
