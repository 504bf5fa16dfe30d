import { Adagrad, Adam, AdamW, type BaseOptions, type Optimizer, RMSprop, SGD } from '@nn/optim';
import { add, dispose, keep, mul, square, stack, sub, sum, type Tensor, tidy } from '@nn/tensor';
import type { ModuleRefCase } from './cases.js';
import { refTensor, tensorProblems } from './check.js';

type Cfg = Record<string, unknown>;

function camelOptions(cfg: Cfg): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'steps' || k === 'loss') continue;
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return out;
}

const OPTIMIZERS: Record<string, (params: Tensor[], o: Record<string, unknown>) => Optimizer<BaseOptions>> = {
  'optim.SGD': (p, o) => new SGD(p, o as never) as unknown as Optimizer<BaseOptions>,
  'optim.Adam': (p, o) => new Adam(p, o as never) as unknown as Optimizer<BaseOptions>,
  'optim.AdamW': (p, o) => new AdamW(p, o as never) as unknown as Optimizer<BaseOptions>,
  'optim.RMSprop': (p, o) => new RMSprop(p, o as never) as unknown as Optimizer<BaseOptions>,
  'optim.Adagrad': (p, o) => new Adagrad(p, o as never) as unknown as Optimizer<BaseOptions>,
};

/**
 * Five steps of zeroGrad, backward of sum_p sum(coef_p (p - target_p)²), step; compares the
 * loss and gradient before each step and the parameters after it.
 */
export async function runOptimCase(c: ModuleRefCase): Promise<string[]> {
  const make = OPTIMIZERS[c.op];
  if (!make) return [`no optimizer mapped for ${c.op}`];
  const names = Object.keys(c.params);
  const params = names.map((n) => refTensor(c.params[n], { requiresGrad: true }));
  const coef = names.map((n) => refTensor(c.inputs[`coef_${n}`]));
  const target = names.map((n) => refTensor(c.inputs[`target_${n}`]));
  const steps = Number(c.config.steps ?? 5);
  const history: Record<string, Tensor[]> = Object.fromEntries([...names, 'loss'].map((n) => [n, []]));
  const gradHistory: Record<string, Tensor[]> = Object.fromEntries(names.map((n) => [n, []]));
  const opt = make(params, camelOptions(c.config));
  try {
    for (let k = 0; k < steps; k++) {
      opt.zeroGrad();
      const loss = tidy(() => {
        let total: Tensor | null = null;
        params.forEach((p, i) => {
          const term = sum(mul(coef[i], square(sub(p, target[i]))));
          total = total ? add(total, term) : term;
        });
        return total as unknown as Tensor;
      });
      loss.backward();
      history.loss.push(keep(loss.detach()));
      for (const [i, n] of names.entries()) gradHistory[n].push(keep((params[i].grad as Tensor).clone()));
      opt.step();
      for (const [i, n] of names.entries()) history[n].push(keep(params[i].clone()));
      loss.dispose();
    }
    const problems: string[] = [];
    const out = c.output as Record<string, Parameters<typeof tensorProblems>[2]>;
    for (const [name, want] of Object.entries(out)) {
      const got = stack(history[name] ?? []);
      problems.push(...(await tensorProblems(`${name} trajectory`, got, want, c.tolerance)));
      got.dispose();
    }
    for (const [name, want] of Object.entries(c.grads)) {
      const got = stack(gradHistory[name] ?? []);
      problems.push(...(await tensorProblems(`grad of ${name} trajectory`, got, want, c.tolerance)));
      got.dispose();
    }
    return problems;
  } finally {
    opt.zeroGrad();
    for (const s of opt.state.values())
      for (const v of Object.values(s)) if (typeof v === 'object') v.dispose();
    dispose([
      ...params,
      ...coef,
      ...target,
      ...Object.values(history).flat(),
      ...Object.values(gradHistory).flat(),
    ]);
  }
}
