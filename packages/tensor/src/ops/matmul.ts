import { isFloat, promoteTypes } from '../dtype.js';
import { recordOp } from '../engine.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
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
  const dt = promoteTypes(a.dtype, b.dtype);
  const temps: Tensor[] = [];
  const keep = (t: Tensor, src: Tensor): Tensor => {
    if (t !== src) temps.push(t);
    return t;
  };
  let A = keep(cast(a, dt), a);
  let B = keep(cast(b, dt), b);
  const aVec = A.ndim === 1;
  const bVec = B.ndim === 1;
  if (aVec) A = keep(reshape(A, [1, A.shape[0]]), A);
  if (bVec) B = keep(reshape(B, [B.shape[0], 1]), B);
  if (A.ndim > 2 && B.ndim === 2) {
    // [..., m, k] @ [k, n] as one [rows, k] @ [k, n] product, as PyTorch folds it: B is not
    // expanded over the batch, so its gradient is one product instead of a batch of products
    // summed back (what a Linear-style projection of a sequence needs).
    const rows = keep(reshape(A, [-1, ka]), A);
    const flat = batchedMatmul(rows, B);
    const y = reshape(flat, bVec ? A.shape.slice(0, -1) : [...A.shape.slice(0, -1), B.shape[1]]);
    flat.dispose();
    for (const t of temps) t.dispose();
    return y;
  }
  const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
  const Ae = keep(expand(A, [...batch, ...A.shape.slice(-2)]), A);
  const Be = keep(expand(B, [...batch, ...B.shape.slice(-2)]), B);
  let y = batchedMatmul(Ae, Be);
  if (aVec || bVec) {
    const shape = [...batch];
    if (!aVec) shape.push(Ae.shape[Ae.ndim - 2]);
    if (!bVec) shape.push(Be.shape[Be.ndim - 1]);
    const r = reshape(y, shape);
    y.dispose();
    y = r;
  }
  for (const t of temps) t.dispose();
  return y;
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
