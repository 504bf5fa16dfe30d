/**
 * `train --profile`: where one training step's time goes, from the @nn/tensor profiler, per impl
 * and model. Times are per step (the profiled epoch's total over its steps); counts too.
 */
import type { ProfileReport } from '@nn/tensor';
import { emit, note, table } from './report.js';

/** Categories in the order they are shown, with the words people read. */
const CATEGORIES: readonly [string, string][] = [
  ['kernel', 'kernels'],
  ['alloc', 'allocation'],
  ['free', 'free'],
  ['threadSync', 'thread sync (hand-off + wait)'],
  ['upload', 'uploads'],
  ['read', 'host reads'],
  ['autogradRecord', 'autograd record'],
  ['autogradBackward', 'backward bookkeeping'],
  ['frontend', 'frontend (dispatch, checks, views, scopes)'],
  ['outside', 'outside the step'],
];

const REGIONS = ['data', 'forward', 'backward', 'optimizer', 'step'] as const;

/** Counters shown per step, in this order, when present. */
const COUNTERS = ['tensors', 'nodes', 'kernelCalls', 'allocations', 'parallelCalls'];

const KERNEL_ROWS = 14;

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

/** Prints the breakdown (three tables) and emits one JSON line `{"bench":"profile",...}`. */
export function reportProfile(impl: string, model: string, r: ProfileReport, steps: number): void {
  const per = (v: number): number => v / steps;
  const known = new Set(CATEGORIES.map(([k]) => k));
  const cats = [
    ...CATEGORIES.filter(([k]) => r.categories[k]),
    ...Object.keys(r.categories)
      .filter((k) => !known.has(k))
      .map((k): [string, string] => [k, k]),
  ];
  const line: Record<string, string | number> = {
    bench: 'profile',
    impl,
    model,
    steps,
    msPerStep: round(per(r.ms)),
    profilerMsPerStep: round(per(r.overheadMs)),
  };
  for (const [k] of cats) line[`${k}Ms`] = round(per(r.categories[k].ms));
  for (const c of COUNTERS)
    if (r.counters[c] !== undefined) line[`${c}PerStep`] = round(per(r.counters[c]), 2);
  emit(line);

  note(
    `\nprofile ${impl} ${model}: ${steps} steps, ${per(r.ms).toFixed(3)} ms per step (the profiler's own share about ${per(r.overheadMs).toFixed(3)} ms)`,
  );
  table(
    `${impl} ${model}: where a step's time goes`,
    ['category', 'ms/step', '%', 'spans/step'],
    cats.map(([k, label]) => {
      const e = r.categories[k];
      return [label, round(per(e.ms)), ((100 * e.ms) / r.ms).toFixed(1), round(per(e.calls), 1)];
    }),
  );
  const regionCats = [
    'kernel',
    'frontend',
    'autogradRecord',
    'autogradBackward',
    'alloc',
    'free',
    'threadSync',
  ];
  table(
    `${impl} ${model}: by phase (ms/step; step = the scope around the phases, its own time is freeing)`,
    ['phase', 'total', ...regionCats, 'upload+read'],
    REGIONS.filter((name) => r.regions[name]).map((name) => {
      const g = r.regions[name];
      const c = (k: string): number => round(per(g.categories[k] ?? 0));
      return [
        name,
        round(per(g.ms)),
        ...regionCats.map(c),
        round(per((g.categories.upload ?? 0) + (g.categories.read ?? 0))),
      ];
    }),
  );
  const kernels = Object.entries(r.kernels).sort((a, b) => b[1].ms - a[1].ms);
  table(
    `${impl} ${model}: kernels (exclusive of allocation and thread hand-offs)`,
    ['kernel', 'ms/step', 'calls/step', 'us/call'],
    kernels
      .slice(0, KERNEL_ROWS)
      .map(([name, e]) => [
        name,
        round(per(e.ms)),
        round(per(e.calls), 1),
        round((1000 * e.ms) / e.calls, 1),
      ]),
  );
  if (kernels.length > KERNEL_ROWS) note(`(${kernels.length - KERNEL_ROWS} more kernels)`);
  note(
    `${impl} ${model} per step: ${COUNTERS.filter((c) => r.counters[c] !== undefined)
      .map((c) => `${round(per(r.counters[c]), 1)} ${c}`)
      .join(', ')}`,
  );
}
