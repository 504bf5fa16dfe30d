import { add, dispose, mul, sum, type Tensor, tensor } from '@nn/tensor';
import { flat, type ModuleRefCase, type ModuleRefTensor, namedRefs, type RefGroup } from './cases.js';

export interface Tol {
  rtol: number;
  atol: number;
}

/** A tensor from a reference value: floats as float32 (or `floatDType`), int64 as int32, bool as bool. */
export function refTensor(
  t: ModuleRefTensor,
  options: { requiresGrad?: boolean; floatDType?: 'float32' | 'float64' } = {},
): Tensor {
  const v = flat(t);
  if (t.dtype === 'int64') return tensor(Int32Array.from(v), { shape: t.shape, dtype: 'int32' });
  if (t.dtype === 'bool') return tensor(Uint8Array.from(v), { shape: t.shape, dtype: 'bool' });
  const dtype = options.floatDType ?? 'float32';
  return tensor(dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v), {
    shape: t.shape,
    dtype,
    requiresGrad: options.requiresGrad ?? false,
  });
}

/** numpy.allclose over flat values: null when close, else the worst element. */
export function closeProblem(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): string | null {
  if (got.length !== want.length) return `expected ${want.length} values, got ${got.length}`;
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    let excess: number;
    if (Number.isNaN(g) || Number.isNaN(w)) excess = Number.isNaN(g) && Number.isNaN(w) ? 0 : Infinity;
    else if (!Number.isFinite(g) || !Number.isFinite(w)) excess = g === w ? 0 : Infinity;
    else excess = Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
    if (excess > 0) {
      bad++;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad === 0) return null;
  return `${bad} of ${want.length} values differ beyond rtol ${tol.rtol}, atol ${tol.atol}; worst at ${worst}: got ${got[worst]}, expected ${want[worst]}`;
}

/** Problems comparing one tensor with its reference (shape, then values; ints exactly). */
export async function tensorProblems(
  what: string,
  got: Tensor | null | undefined,
  want: ModuleRefTensor,
  tol: Tol,
): Promise<string[]> {
  if (!got) return [`${what}: missing`];
  const wantShape = want.shape;
  if (got.shape.length !== wantShape.length || got.shape.some((d, i) => d !== wantShape[i])) {
    return [`${what}: shape [${got.shape.join(',')}], expected [${wantShape.join(',')}]`];
  }
  const g = Array.from(await got.data(), Number);
  const w = flat(want);
  if (want.dtype === 'int64' || want.dtype === 'bool') {
    const i = w.findIndex((v, k) => v !== g[k]);
    return i < 0 ? [] : [`${what}: value at ${i} is ${g[i]}, expected ${w[i]} (exact)`];
  }
  const p = closeProblem(g, w, tol);
  return p ? [`${what}: ${p}`] : [];
}

/**
 * Compares the outputs, then backpropagates sum_k sum(output_k · G_k) and compares the gradients
 * of `gradOf` (inputs and parameters by their reference names).
 */
export async function checkForwardBackward(
  c: ModuleRefCase,
  outputs: Record<string, Tensor>,
  gradOf: Record<string, Tensor>,
  tol: Tol = c.tolerance,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, want] of Object.entries(namedRefs(c.output))) {
    problems.push(...(await tensorProblems(`output ${name}`, outputs[name], want, tol)));
  }
  if (Object.keys(c.grads).length === 0) return problems;
  if (!c.grad_output) return [...problems, 'case has grads but no grad_output'];
  const made: Tensor[] = [];
  try {
    let loss: Tensor | null = null;
    for (const [name, g] of Object.entries(namedRefs(c.grad_output as RefGroup))) {
      const out = outputs[name];
      if (!out) return [...problems, `no output '${name}' to weight with grad_output`];
      const G = refTensor(g, { floatDType: out.dtype === 'float64' ? 'float64' : 'float32' });
      const term = sum(mul(out, G));
      made.push(G, term);
      loss = loss ? add(loss, term) : term;
      made.push(loss);
    }
    if (!loss) return [...problems, 'grad_output names no output'];
    loss.backward();
    for (const [name, want] of Object.entries(c.grads)) {
      const t = gradOf[name];
      if (!t) {
        problems.push(`grad of ${name}: no such input or parameter`);
        continue;
      }
      problems.push(...(await tensorProblems(`grad of ${name}`, t.grad, want, tol)));
    }
    return problems;
  } finally {
    dispose(made);
  }
}
