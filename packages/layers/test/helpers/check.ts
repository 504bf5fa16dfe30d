import { gradcheck } from '@nn/autograd';
import type { Tensor } from '@nn/tensor';
import { type AnyModule, isParameter } from '../../src/index.js';

/** Where each parameter of a module tree lives, so a check can substitute its own tensors. */
function slots(m: AnyModule): [Record<string, unknown>, string][] {
  const out: [Record<string, unknown>, string][] = [];
  for (const mod of m.modules()) {
    const rec = mod as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec)) if (isParameter(v)) out.push([rec, k]);
  }
  return out;
}

/**
 * gradcheck of a module's forward with respect to its inputs and every parameter: gradcheck
 * hands float64 copies to `fn`, which runs the module with those copies swapped in.
 */
export async function gradcheckModule(
  m: AnyModule,
  inputs: Tensor[],
  call: (xs: Tensor[]) => Tensor | Tensor[],
): Promise<{ ok: boolean; message: string }> {
  const where = slots(m);
  const params = where.map(([rec, k]) => rec[k] as Tensor);
  const n = inputs.length;
  const fn = (...xs: Tensor[]): Tensor | Tensor[] => {
    where.forEach(([rec, k], i) => {
      rec[k] = xs[n + i];
    });
    try {
      return call(xs.slice(0, n));
    } finally {
      where.forEach(([rec, k], i) => {
        rec[k] = params[i];
      });
    }
  };
  return gradcheck(fn, [...inputs, ...params]);
}
