/// <reference path="../vite-env.d.ts" />
/**
 * The PyTorch reference cases of the module-level categories (layers, losses, optim,
 * lr_scheduler, clip_grad), bundled through vite's `import.meta.glob` like the core suite's.
 */

export interface ModuleRefTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  data: ModuleNested;
}
export type ModuleNested = number | boolean | ModuleNested[];
export type RefGroup = ModuleRefTensor | Record<string, ModuleRefTensor>;

export interface ModuleRefCase {
  category: string;
  name: string;
  op: string;
  expr: string;
  config: Record<string, unknown>;
  inputs: Record<string, ModuleRefTensor>;
  params: Record<string, ModuleRefTensor>;
  buffers?: Record<string, ModuleRefTensor>;
  output: RefGroup;
  grad_output?: RefGroup;
  grads: Record<string, ModuleRefTensor>;
  buffers_after?: Record<string, ModuleRefTensor>;
  tolerance: { rtol: number; atol: number };
}

export const MODULE_CATEGORIES = [
  'layers',
  'attention',
  'losses',
  'optim',
  'lr_scheduler',
  'clip_grad',
  'extra',
] as const;
export type ModuleCategory = (typeof MODULE_CATEGORIES)[number];

const files = import.meta.glob<ModuleRefCase>(
  [
    '../../fixtures/layers/*.json',
    '../../fixtures/attention/*.json',
    '../../fixtures/extra/*.json',
    '!../../fixtures/extra/index.json',
    '../../fixtures/losses/*.json',
    '../../fixtures/optim/*.json',
    '../../fixtures/lr_scheduler/*.json',
    '../../fixtures/clip_grad/*.json',
  ],
  { eager: true, import: 'default' },
);

interface IndexFile {
  cases: { category: string; name: string }[];
}

const indexes = import.meta.glob<IndexFile>(
  ['../../fixtures/index.json', '../../fixtures/extra/index.json'],
  {
    eager: true,
    import: 'default',
  },
);

/** The cases both index files list for the module categories (to prove none was left out). */
export function indexedModuleCases(): string[] {
  return Object.values(indexes)
    .flatMap((i) => i.cases)
    .filter((c) => (MODULE_CATEGORIES as readonly string[]).includes(c.category))
    .map((c) => `${c.category}/${c.name}`)
    .sort();
}

/** Every case of one category, sorted by name. */
export function loadModuleCases(category: ModuleCategory): ModuleRefCase[] {
  return Object.entries(files)
    .filter(([path]) => path.includes(`/fixtures/${category}/`))
    .map(([, c]) => c)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function isTensorRef(v: unknown): v is ModuleRefTensor {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v;
}

/** A single output as `{ output }`, named outputs as they are. */
export function namedRefs(v: RefGroup): Record<string, ModuleRefTensor> {
  return isTensorRef(v) ? { output: v } : v;
}

export function flat(t: ModuleRefTensor): number[] {
  const out: number[] = [];
  const walk = (v: ModuleNested): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
  };
  walk(t.data);
  return out;
}
