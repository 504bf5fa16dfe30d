import { abs, add, isTensor, mul, square, sum, type Tensor, tidy, ValueError } from '@nn/tensor';

function total(op: string, params: Iterable<Tensor>, f: (p: Tensor) => Tensor, coefficient: number): Tensor {
  if (typeof coefficient !== 'number' || !(coefficient >= 0) || !Number.isFinite(coefficient)) {
    throw new ValueError(`${op}: coefficient must be a finite number >= 0, got ${String(coefficient)}`);
  }
  const list = [...params];
  if (list.length === 0) throw new ValueError(`${op}: expected at least one parameter`);
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new ValueError(`${op}: parameter ${i} is not a Tensor`);
  });
  return tidy(() => {
    let acc = sum(f(list[0]));
    for (let i = 1; i < list.length; i++) acc = add(acc, sum(f(list[i])));
    return mul(acc, coefficient);
  });
}

/** coefficient · Σ|p| over every parameter: add it to a loss for L1 regularization. */
export function l1Penalty(params: Iterable<Tensor>, coefficient = 1): Tensor {
  return total('l1Penalty', params, abs, coefficient);
}

/** coefficient · Σp² over every parameter: add it to a loss for L2 regularization (weight decay ≈ 2·coefficient). */
export function l2Penalty(params: Iterable<Tensor>, coefficient = 1): Tensor {
  return total('l2Penalty', params, square, coefficient);
}
