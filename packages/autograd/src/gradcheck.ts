import {
  type DType,
  getBackend,
  isFloat,
  listBackends,
  mul,
  sum,
  type Tensor,
  tensor,
  tidy,
  ValueError,
  zerosLike,
} from '@nn/tensor';
import { enableGrad, grad, noGrad } from './engine.js';

/** Options of `gradcheck`: the finite-difference step, tolerances and where to evaluate. */
export interface GradcheckOptions {
  /** Finite-difference step (1e-6 in float64, 1e-3 when only float32 is available). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Backend to evaluate on; by default the inputs' backend if it has float64, else any registered one that does. */
  backend?: string;
}

/** What `gradcheck` found: a gradient mismatch is reported here, not thrown. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| over every checked element. */
  maxAbsError: number;
  /** What failed, or a one-line summary. */
  message: string;
}

/** A fixed projection of the outputs, so a scalar loss checks every output element at once. */
function weights(n: number, salt: number): Float64Array {
  const w = new Float64Array(n);
  let s = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = (s / 4294967296) * 2 - 1;
  }
  return w;
}

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];

/**
 * Compares the analytic gradient of `fn` with central differences: float64 where some
 * registered backend has it, looser float32 otherwise. Checks the inputs that require grad
 * (or every float input when none does).
 *
 * @example
 * ```ts
 * const r = await gradcheck((a) => a.tanh().mul(a).sum(), [tensor([0.3, -0.5], { requiresGrad: true })]);
 * console.log(r.ok, r.message);
 * ```
 */
export async function gradcheck(
  fn: Fn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): Promise<GradcheckResult> {
  if (inputs.length === 0) throw new ValueError('gradcheck: expected at least one input tensor');
  const first = inputs[0].backend;
  const backendName =
    options.backend ??
    (first.dtypes.includes('float64')
      ? first.name
      : listBackends().find((b) => getBackend(b).dtypes.includes('float64')));
  const dtype: DType = backendName ? 'float64' : 'float32';
  const target = backendName ?? first.name;
  const wide = dtype === 'float64';
  const eps = options.eps ?? (wide ? 1e-6 : 1e-3);
  const atol = options.atol ?? (wide ? 1e-5 : 1e-2);
  const rtol = options.rtol ?? (wide ? 1e-3 : 1e-2);

  const anyMarked = inputs.some((t) => t.requiresGrad);
  const checked = inputs.map((t) => isFloat(t.dtype) && (!anyMarked || t.requiresGrad));
  const values = await Promise.all(inputs.map(async (t) => Float64Array.from(await t.data())));
  const make = (vals: readonly Float64Array[], withGrad: boolean): Tensor[] =>
    inputs.map((t, i) =>
      tensor(
        isFloat(t.dtype)
          ? vals[i]
          : inputs[i].dtype === 'int32'
            ? Int32Array.from(vals[i])
            : Uint8Array.from(vals[i]),
        {
          dtype: isFloat(t.dtype) ? dtype : t.dtype,
          backend: target,
          shape: t.shape,
          requiresGrad: withGrad && checked[i],
        },
      ),
    );
  const loss = (outs: Tensor | Tensor[]): Tensor => {
    const list = Array.isArray(outs) ? outs : [outs];
    let total: Tensor | null = null;
    list.forEach((y, k) => {
      if (!isFloat(y.dtype)) return;
      const w = tensor(weights(y.size, k), { dtype, backend: target, shape: y.shape });
      const term = sum(mul(y, w));
      total = total ? total.add(term) : term;
    });
    if (!total) throw new ValueError('gradcheck: fn returned no floating point output');
    return total;
  };

  const leaves = make(values, true);
  const analytic: (Float64Array | null)[] = [];
  try {
    const l = tidy(() => loss(fn(...leaves)));
    // An output with no graph (fn constant in its inputs) has zero gradients.
    if (l.requiresGrad) l.backward();
    l.dispose();
    for (let i = 0; i < leaves.length; i++) {
      const g = leaves[i].grad;
      analytic.push(
        checked[i] ? (g ? Float64Array.from(await g.data()) : new Float64Array(values[i].length)) : null,
      );
    }
  } finally {
    for (const t of leaves) t.dispose();
  }

  const evalAt = async (vals: Float64Array[]): Promise<number> => {
    const l = noGrad(() =>
      tidy(() => {
        const xs = make(vals, false);
        return loss(fn(...xs));
      }),
    );
    const v = await l.item();
    l.dispose();
    return v;
  };

  let maxAbsError = 0;
  for (let i = 0; i < inputs.length; i++) {
    const a = analytic[i];
    if (!a) continue;
    for (let j = 0; j < values[i].length; j++) {
      const plus = values.map((v) => v.slice());
      const minus = values.map((v) => v.slice());
      plus[i][j] += eps;
      minus[i][j] -= eps;
      const numeric = ((await evalAt(plus)) - (await evalAt(minus))) / (2 * eps);
      const err = Math.abs(a[j] - numeric);
      maxAbsError = Math.max(maxAbsError, err);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        return {
          ok: false,
          maxAbsError: err,
          message: `gradcheck: input ${i} element ${j}: analytic ${a[j]} vs numeric ${numeric} (|diff| ${err.toExponential(3)}, ${dtype})`,
        };
      }
    }
  }
  return {
    ok: true,
    maxAbsError,
    message: `gradcheck passed in ${dtype} (max |diff| ${maxAbsError.toExponential(3)})`,
  };
}

/**
 * Checks the second derivatives of `fn` (PyTorch's `gradgradcheck`): `gradcheck` of its first
 * derivatives, which `grad()` computes with `createGraph`, so every gradient rule on the way is
 * differentiated again. Checks the same inputs as `gradcheck`.
 *
 * @example
 * ```ts
 * const r = await gradgradcheck((a, b) => a.mul(b).tanh(), [tensor([0.3, -0.5]), tensor([1.5, 0.7])]);
 * console.log(r.ok); // true
 * ```
 */
export async function gradgradcheck(
  fn: Fn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): Promise<GradcheckResult> {
  const anyMarked = inputs.some((t) => t.requiresGrad);
  const checked = inputs.map((t) => isFloat(t.dtype) && (!anyMarked || t.requiresGrad));
  const firstDerivatives = (...xs: Tensor[]): Tensor[] =>
    enableGrad(() => {
      const leaves = xs.map((x, i) => (checked[i] && !x.requiresGrad ? x.detach().requiresGrad_() : x));
      const outs = fn(...leaves);
      let total: Tensor | null = null;
      (Array.isArray(outs) ? outs : [outs]).forEach((y, k) => {
        if (!isFloat(y.dtype)) return;
        const w = tensor(weights(y.size, 101 + k), {
          dtype: y.dtype,
          backend: y.backendName,
          shape: y.shape,
        });
        const term = sum(mul(y, w));
        total = total ? total.add(term) : term;
      });
      if (!total) throw new ValueError('gradgradcheck: fn returned no floating point output');
      const wrt = leaves.filter((_, i) => checked[i]);
      const l: Tensor = total;
      if (!l.requiresGrad) return wrt.map((x) => zerosLike(x));
      return grad(l, wrt, { createGraph: true, allowUnused: true }).map((g, j) => g ?? zerosLike(wrt[j]));
    });
  const marked = inputs.map((t, i) => (checked[i] && !t.requiresGrad ? t.detach().requiresGrad_() : t));
  try {
    const r = await gradcheck(firstDerivatives, marked, options);
    return { ...r, message: r.message.replace(/^gradcheck/, 'gradgradcheck') };
  } finally {
    marked.forEach((t, i) => {
      if (t !== inputs[i]) t.dispose();
    });
  }
}
