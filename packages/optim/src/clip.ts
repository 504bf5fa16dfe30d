import {
  abs,
  add,
  amax,
  clamp,
  div,
  isTensor,
  max,
  mul,
  norm,
  stack,
  type Tensor,
  tidy,
  ValueError,
  withGradMode,
  zeros,
} from '@nn/tensor';

function grads(op: string, params: Iterable<Tensor> | Tensor): Tensor[] {
  const list = isTensor(params) ? [params] : [...params];
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new ValueError(`${op}: parameter ${i} is not a Tensor`);
  });
  return list.filter((p) => p.grad !== null).map((p) => p.grad as Tensor);
}

/**
 * Scales all gradients together so their joint `normType`-norm (2 by default, Infinity for the
 * max-norm) is at most `maxNorm`, as PyTorch's `clip_grad_norm_`. Returns the norm before
 * clipping (a 0-d tensor: reading it is up to the caller).
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2): Tensor {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0))
    throw new ValueError(`${op}: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0))
    throw new ValueError(`${op}: normType must be > 0 (or Infinity), got ${String(normType)}`);
  const gs = grads(op, params);
  return withGradMode(false, () =>
    tidy(() => {
      if (gs.length === 0) return zeros([]);
      const norms = gs.map((g) =>
        normType === Number.POSITIVE_INFINITY ? amax(abs(g)) : norm(g, { p: normType }),
      );
      const total =
        normType === Number.POSITIVE_INFINITY ? max(stack(norms)) : norm(stack(norms), { p: normType });
      const coef = clamp(div(maxNorm, add(total, 1e-6)), { max: 1 });
      for (const g of gs) g.assign(mul(g, coef));
      return total;
    }),
  );
}

/** Clamps every gradient element to [-clipValue, clipValue]. */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0))
    throw new ValueError(`${op}: clipValue must be a number >= 0, got ${String(clipValue)}`);
  const gs = grads(op, params);
  withGradMode(false, () =>
    tidy(() => {
      for (const g of gs) g.assign(clamp(g, { min: -clipValue, max: clipValue }));
      return null;
    }),
  );
}
