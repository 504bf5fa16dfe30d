import {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SGD,
  StepLR,
} from '@nn/optim';
import { ones } from '@nn/tensor';
import { flat, type ModuleRefCase, namedRefs } from './cases.js';
import { closeProblem } from './check.js';

type Cfg = Record<string, unknown>;
type Sched = { step(metric?: number): void };

const SCHEDULERS: Record<string, (opt: SGD, c: Cfg) => Sched> = {
  'lr_scheduler.StepLR': (o, c) =>
    new StepLR(o, { stepSize: c.step_size as number, gamma: c.gamma as number }),
  'lr_scheduler.MultiStepLR': (o, c) =>
    new MultiStepLR(o, { milestones: c.milestones as number[], gamma: c.gamma as number }),
  'lr_scheduler.ExponentialLR': (o, c) => new ExponentialLR(o, { gamma: c.gamma as number }),
  'lr_scheduler.CosineAnnealingLR': (o, c) =>
    new CosineAnnealingLR(o, { tMax: c.T_max as number, etaMin: c.eta_min as number }),
  'lr_scheduler.LinearLR': (o, c) =>
    new LinearLR(o, {
      startFactor: c.start_factor as number,
      endFactor: c.end_factor as number,
      totalIters: c.total_iters as number,
    }),
  'lr_scheduler.OneCycleLR': (o, c) =>
    new OneCycleLR(o, {
      maxLr: c.max_lr as number,
      totalSteps: c.total_steps as number,
      pctStart: c.pct_start as number | undefined,
      annealStrategy: c.anneal_strategy as 'cos' | 'linear' | undefined,
      threePhase: c.three_phase as boolean | undefined,
      divFactor: c.div_factor as number | undefined,
      finalDivFactor: c.final_div_factor as number | undefined,
      baseMomentum: c.base_momentum as number | undefined,
      maxMomentum: c.max_momentum as number | undefined,
    }),
  'lr_scheduler.ReduceLROnPlateau': (o, c) =>
    new ReduceLROnPlateau(o, {
      mode: c.mode as 'min' | 'max',
      factor: c.factor as number,
      patience: c.patience as number,
      threshold: c.threshold as number | undefined,
      thresholdMode: c.threshold_mode as 'rel' | 'abs' | undefined,
      cooldown: c.cooldown as number | undefined,
      minLr: c.min_lr as number | undefined,
    }),
};

/** SGD(lr, momentum) from the case's "SGD(lr=0.1, momentum=0.9)". */
function optimizerOf(c: Cfg): SGD {
  const m = /lr=([0-9.e-]+), momentum=([0-9.e-]+)/.exec(String(c.optimizer));
  const lr = m ? Number(m[1]) : 0.1;
  const momentum = m ? Number(m[2]) : 0;
  return new SGD([ones([2], { requiresGrad: true })], { lr, momentum });
}

/** Steps the scheduler as the case did and compares every lr (and momentum) in double precision. */
export async function runSchedulerCase(c: ModuleRefCase): Promise<string[]> {
  const make = SCHEDULERS[c.op];
  if (!make) return [`no scheduler mapped for ${c.op}`];
  const opt = optimizerOf(c.config);
  try {
    const sched = make(opt, c.config);
    const metrics = c.inputs.metrics ? flat(c.inputs.metrics) : null;
    const lrs = [opt.paramGroups[0].lr];
    const moms = [opt.paramGroups[0].momentum];
    const steps = Number(c.config.steps);
    for (let k = 0; k < steps; k++) {
      if (metrics) sched.step(metrics[k]);
      else sched.step();
      lrs.push(opt.paramGroups[0].lr);
      moms.push(opt.paramGroups[0].momentum);
    }
    const want = namedRefs(c.output);
    const problems: string[] = [];
    const lrP = closeProblem(lrs, flat(want.lrs), c.tolerance);
    if (lrP) problems.push(`lrs: ${lrP}`);
    if (want.momentums) {
      const mP = closeProblem(moms, flat(want.momentums), c.tolerance);
      if (mP) problems.push(`momentums: ${mP}`);
    }
    return problems;
  } finally {
    for (const g of opt.paramGroups) for (const p of g.params) p.dispose();
  }
}
