import type { LossReduction } from '../../backend.js';
import { isGradEnabled, recordOp, withGradMode } from '../../engine.js';
import { IndexError } from '../../errors.js';
import { tidy } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { cast, div, mul, ne, neg, sub, where } from '../elementwise.js';
import { gather, scatterAddZeros } from '../indexing.js';
import { logSoftmax, softmax, sum } from '../reduce.js';
import { contiguous, reshape, unsqueeze } from '../shape.js';
import { backendOf, fromStorage } from '../util.js';

/** A contiguous copy (or `x` itself), made without recording a graph node. */
const dense = (x: Tensor): Tensor => (x.isContiguous ? x : withGradMode(false, () => contiguous(x)));

const outOfBounds = (target: number, classes: number): IndexError =>
  new IndexError(`crossEntropy: target ${target} is out of bounds for ${classes} classes`);

/** Host-memory backends let the composite path check target values before it computes anything. */
function checkTargets(target: Tensor, classes: number, ignoreIndex: number): void {
  if (!target.backend.readSync || target.size === 0) return;
  const v = target.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== ignoreIndex && (v[i] < 0 || v[i] >= classes)) throw outOfBounds(v[i], classes);
  }
}

/** Per-row keep mask (float) and targets made safe to gather (ignored rows read class 0); call in a scope. */
function keepAndSafe(target: Tensor, ignoreIndex: number, dtype: Tensor['dtype']): [Tensor, Tensor] {
  const keep = ne(target, ignoreIndex);
  return [cast(keep, dtype), where(keep, target, 0)];
}

function reduce(loss: Tensor, keep: Tensor, reduction: LossReduction): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return div(sum(loss), sum(keep));
}

/** logSoftmax, a gather of the targets' log-probabilities and the reduction, from primitives. */
function compositeLoss(
  logits: Tensor,
  target: Tensor,
  ignoreIndex: number,
  reduction: LossReduction,
): Tensor {
  return withGradMode(false, () =>
    tidy(() => {
      const [keep, safe] = keepAndSafe(target, ignoreIndex, logits.dtype);
      const logp = logSoftmax(logits, 1);
      const picked = reshape(gather(logp, 1, unsqueeze(safe, 1)), [logits.shape[0]]);
      return reduce(neg(mul(picked, keep)), keep, reduction);
    }),
  );
}

/**
 * Cross entropy of logits [M, C] at int32 class indices [M] (the common form of `crossEntropy`:
 * no class weights, no label smoothing) as one op and one graph node: the backend's fused kernel
 * where it has one, which also checks the targets as it reads them (no host read), else
 * logSoftmax, gather and the reduction. The caller has checked shapes, dtypes and options.
 */
export function crossEntropyIndex(
  logits: Tensor,
  target: Tensor,
  ignoreIndex: number,
  reduction: LossReduction,
): Tensor {
  const backend = backendOf('crossEntropy', logits, target);
  const classes = logits.shape[1];
  // Targets are int32: an ignoreIndex outside that range matches none, which the kernels need not know.
  const kernel = ignoreIndex === (ignoreIndex | 0) ? backend.fused?.crossEntropy : undefined;
  let y: Tensor;
  if (kernel) {
    const r = tidy(() => {
      const out = kernel(dense(logits), dense(target), ignoreIndex, reduction);
      return 'badTarget' in out
        ? out.badTarget
        : fromStorage(backend, out.loss, logits.dtype, reduction === 'none' ? [logits.shape[0]] : []);
    });
    if (typeof r === 'number') throw outOfBounds(r, classes);
    y = r;
  } else {
    checkTargets(target, classes, ignoreIndex);
    y = compositeLoss(logits, target, ignoreIndex, reduction);
  }
  recordOp('crossEntropy', [logits, target], [y], { ignoreIndex, reduction });
  return y;
}

/**
 * The gradient of `crossEntropyIndex` for the logits: g · (softmax - onehot(target)) per row.
 * The fused kernel when nothing records a graph (a plain backward); tensor ops otherwise, so a
 * gradient of this gradient exists.
 */
export function crossEntropyBackward(
  logits: Tensor,
  target: Tensor,
  g: Tensor,
  ignoreIndex: number,
  reduction: LossReduction,
): Tensor {
  const backend = backendOf('crossEntropy', logits, target, g);
  const kernel = ignoreIndex === (ignoreIndex | 0) ? backend.fused?.crossEntropyBackward : undefined;
  const recording = isGradEnabled() && (logits.requiresGrad || g.requiresGrad);
  if (kernel && !recording) {
    return tidy(() => {
      const out = kernel(dense(logits), dense(target), dense(g), ignoreIndex, reduction);
      return fromStorage(backend, out, logits.dtype, logits.shape);
    });
  }
  return tidy(() => {
    const [keep, safe] = keepAndSafe(target, ignoreIndex, logits.dtype);
    const keepCol = unsqueeze(keep, 1);
    const onehot = scatterAddZeros(logits.shape, 1, unsqueeze(safe, 1), keepCol);
    const diff = sub(mul(softmax(logits, 1), keepCol), onehot);
    if (reduction === 'none') return mul(diff, unsqueeze(g, 1));
    return mul(diff, reduction === 'sum' ? g : div(g, sum(keep)));
  });
}
