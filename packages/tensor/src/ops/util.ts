import type { Backend, Storage } from '../backend.js';
import type { DType } from '../dtype.js';
import { engine, getBackend, isGradEnabled } from '../engine.js';
import { BackendError, DTypeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor.js';

/** The one backend all tensor arguments live on (the current backend when none is given). */
export function backendOf(op: string, ...tensors: (Tensor | number | undefined | null)[]): Backend {
  let b: Backend | null = null;
  for (const t of tensors) {
    if (!(t instanceof Tensor)) continue;
    if (t.isDisposed) t.storage; // throws DisposedError naming the tensor
    if (b === null) b = t.backend;
    else if (t.backend !== b) {
      throw new BackendError(
        `${op}: tensors are on different backends ('${b.name}' and '${t.backendName}'); move one with .to('${b.name}')`,
      );
    }
  }
  return b ?? getBackend();
}

/**
 * A new tensor over storage a backend kernel returned (contiguous, `shape`): for packages that call
 * fused kernels themselves, such as optimizers and gradient rules.
 */
export function fromStorage(
  backend: Backend,
  storage: Storage,
  dtype: DType,
  shape: readonly number[],
): Tensor {
  return Tensor._fromStorage(backend, storage, dtype, shape);
}

/**
 * Whether an op on these tensors is being recorded for autograd. Tensor-level ops that have both a
 * fused kernel and a composite take the composite then, so what they compute is differentiable
 * again (a fused kernel's output has no graph).
 */
export function recording(...tensors: readonly Tensor[]): boolean {
  return engine.gradEngine !== null && isGradEnabled() && tensors.some((t) => t.requiresGrad);
}

/** Throws a ValueError naming `op` and the argument unless `x` is a Tensor. */
export function assertTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ValueError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
}

export function assertDTypeSupported(op: string, backend: Backend, dtype: DType): void {
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(
      `${op}: the '${backend.name}' backend does not support ${dtype} (it has ${backend.dtypes.join(', ')})`,
    );
  }
}

/** A value as an error message shows it: strings quoted, arrays listed. */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describeValue).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/**
 * `v` if it is a number (not NaN) for which `ok` holds, else a ValueError
 * `op: name must be <what>, got <v>`. For packages that check numeric options the same way.
 */
export function checkNumber(
  op: string,
  name: string,
  v: unknown,
  ok: (n: number) => boolean,
  what: string,
): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) {
    throw new ValueError(`${op}: ${name} must be ${what}, got ${describeValue(v)}`);
  }
  return v;
}
