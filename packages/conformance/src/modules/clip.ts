import { clipGradNorm, clipGradValue } from '@nn/optim';
import { dispose, keep, type Tensor } from '@nn/tensor';
import { type ModuleRefCase, namedRefs } from './cases.js';
import { refTensor, tensorProblems } from './check.js';

/** Sets each parameter's gradient, clips, and compares the gradients (and total norm). */
export async function runClipCase(c: ModuleRefCase): Promise<string[]> {
  const names = Object.keys(c.params);
  const params = names.map((n) => refTensor(c.params[n], { requiresGrad: true }));
  names.forEach((n, i) => {
    params[i].grad = keep(refTensor(c.inputs[`grad_${n}`]));
  });
  const made: Tensor[] = [];
  try {
    const want = namedRefs(c.output);
    const problems: string[] = [];
    if (c.op === 'clip_grad_norm_') {
      const normType = c.config.norm_type === 'inf' ? Number.POSITIVE_INFINITY : Number(c.config.norm_type);
      const total = clipGradNorm(params, Number(c.config.max_norm), normType);
      made.push(total);
      problems.push(...(await tensorProblems('total_norm', total, want.total_norm, c.tolerance)));
    } else if (c.op === 'clip_grad_value_') clipGradValue(params, Number(c.config.clip_value));
    else return [`no clipping function mapped for ${c.op}`];
    for (const [i, n] of names.entries()) {
      problems.push(...(await tensorProblems(`grad_${n}`, params[i].grad, want[`grad_${n}`], c.tolerance)));
    }
    return problems;
  } finally {
    for (const p of params) p.zeroGrad();
    dispose([...made, ...params]);
  }
}
