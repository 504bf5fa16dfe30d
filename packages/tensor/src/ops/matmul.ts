import { isFloat, promoteTypes } from '../dtype.js';
import { recordOp } from '../engine.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { expand, reshape } from './shape.js';
import { assertTensor, backendOf, fromStorage } from './util.js';

/** The kernel on equal-rank, equal-batch operands: [...B, m, k] @ [...B, k, n]. */
export function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const backend = backendOf('matmul', a, b);
  const r = a.ndim;
  const outShape = [...a.shape.slice(0, r - 1), b.shape[r - 1]];
  const y = fromStorage(backend, backend.matmul(a, b), a.dtype, outShape);
  recordOp('matmul', [a, b], [y]);
  return y;
}

/** Matrix product in every PyTorch form: vector, matrix, batched, broadcast batched. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor('matmul', 'input', a);
  assertTensor('matmul', 'other', b);
  backendOf('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both arguments need at least 1 dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  if (!isFloat(a.dtype) || !isFloat(b.dtype)) {
    throw new DTypeError(`matmul: expects floating point tensors, got ${a.dtype} and ${b.dtype}`);
  }
  const ka = a.shape[a.ndim - 1];
  const kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (ka !== kb) {
    throw new ShapeError(
      `matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)} (inner dimensions ${ka} and ${kb} differ)`,
    );
  }
  // Same dtypes and batch dims go straight to the kernel; every other form casts, reshapes or
  // expands first, in a scope that frees those intermediates.
  if (
    a.dtype === b.dtype &&
    a.ndim >= 2 &&
    a.ndim === b.ndim &&
    shapesEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))
  ) {
    return batchedMatmul(a, b);
  }
  const dt = promoteTypes(a.dtype, b.dtype);
  return tidy(() => {
    let A = cast(a, dt);
    let B = cast(b, dt);
    const aVec = A.ndim === 1;
    const bVec = B.ndim === 1;
    if (aVec) A = reshape(A, [1, A.shape[0]]);
    if (bVec) B = reshape(B, [B.shape[0], 1]);
    if (A.ndim > 2 && B.ndim === 2) {
      // [..., m, k] @ [k, n] as one [rows, k] @ [k, n] product, as PyTorch folds it: B is not
      // expanded over the batch, so its gradient is one product instead of a batch of products
      // summed back (what a Linear-style projection of a sequence needs).
      const flat = batchedMatmul(reshape(A, [-1, ka]), B);
      return reshape(flat, bVec ? A.shape.slice(0, -1) : [...A.shape.slice(0, -1), B.shape[1]]);
    }
    const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
    const Ae = expand(A, [...batch, ...A.shape.slice(-2)]);
    const Be = expand(B, [...batch, ...B.shape.slice(-2)]);
    const y = batchedMatmul(Ae, Be);
    if (!aVec && !bVec) return y;
    const shape = [...batch];
    if (!aVec) shape.push(Ae.shape[Ae.ndim - 2]);
    if (!bVec) shape.push(Be.shape[Be.ndim - 1]);
    return reshape(y, shape);
  });
}

/** 2-D matrix product. */
export function mm(a: Tensor, b: Tensor): Tensor {
  assertTensor('mm', 'input', a);
  assertTensor('mm', 'other', b);
  if (a.ndim !== 2 || b.ndim !== 2)
    throw new ShapeError(`mm: expects 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** Batched 3-D matrix product with equal batch sizes. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  assertTensor('bmm', 'input', a);
  assertTensor('bmm', 'other', b);
  if (a.ndim !== 3 || b.ndim !== 3)
    throw new ShapeError(`bmm: expects 3-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`bmm: batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}
