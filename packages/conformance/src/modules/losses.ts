import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  type Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from '@nn/losses';
import { dispose, type Tensor } from '@nn/tensor';
import type { ModuleRefCase } from './cases.js';
import { checkForwardBackward, refTensor } from './check.js';

type Cfg = Record<string, unknown>;
type T = Record<string, Tensor>;

/** PyTorch loss module name to ours, with its keyword arguments in camelCase. */
const LOSSES: Record<string, (cfg: Cfg, t: T) => Loss<unknown>> = {
  'nn.MSELoss': (c) => new MSELoss({ reduction: c.reduction as never }),
  'nn.L1Loss': (c) => new L1Loss({ reduction: c.reduction as never }),
  'nn.SmoothL1Loss': (c) => new SmoothL1Loss({ reduction: c.reduction as never, beta: c.beta as number }),
  'nn.HuberLoss': (c) => new HuberLoss({ reduction: c.reduction as never, delta: c.delta as number }),
  'nn.CrossEntropyLoss': (c, t) =>
    new CrossEntropyLoss({
      reduction: c.reduction as never,
      ignoreIndex: c.ignore_index as number,
      labelSmoothing: c.label_smoothing as number,
      weight: t.weight,
    }),
  'nn.NLLLoss': (c, t) =>
    new NLLLoss({ reduction: c.reduction as never, ignoreIndex: c.ignore_index as number, weight: t.weight }),
  'nn.BCELoss': (c, t) => new BCELoss({ reduction: c.reduction as never, weight: t.weight }),
  'nn.BCEWithLogitsLoss': (c, t) =>
    new BCEWithLogitsLoss({ reduction: c.reduction as never, weight: t.weight, posWeight: t.pos_weight }),
  'nn.KLDivLoss': (c) =>
    new KLDivLoss({ reduction: c.reduction as never, logTarget: c.log_target as boolean }),
};

/** Runs one loss case through the public loss modules; returns every mismatch. */
export async function runLossCase(c: ModuleRefCase): Promise<string[]> {
  const make = LOSSES[c.op];
  if (!make) return [`no loss mapped for ${c.op}`];
  const t: T = {};
  for (const [name, ref] of Object.entries(c.inputs)) {
    const differentiable = (name === 'input' || name === 'target') && ref.dtype !== 'int64';
    t[name] = refTensor(ref, { requiresGrad: differentiable });
  }
  const out: Tensor[] = [];
  try {
    const y = make(c.config, t).call(t.input, t.target);
    out.push(y);
    return await checkForwardBackward(c, { output: y }, t);
  } finally {
    for (const v of Object.values(t)) v.zeroGrad();
    dispose([...out, ...Object.values(t)]);
  }
}
