/**
 * The PyTorch reference cases copied into ../fixtures (see fixtures/README.md for the schema).
 * Bundled through vite's `import.meta.glob` so the suite also runs in a browser, where there is no fs.
 */

/** A tensor as stored in a case file. */
export interface RefTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  data: NestedValue;
}
/** "inf", "-inf" and "nan" stand for the numbers JSON cannot hold (generated categories only). */
export type NestedValue = number | boolean | 'inf' | '-inf' | 'nan' | NestedValue[];

/** One case file (the fields this suite reads). */
export interface RefCase {
  category: string;
  name: string;
  op: string;
  expr: string;
  config: Record<string, unknown>;
  inputs: Record<string, RefTensor>;
  params: Record<string, RefTensor>;
  output: RefTensor | Record<string, RefTensor>;
  grad_output?: RefTensor | Record<string, RefTensor>;
  grads: Record<string, RefTensor>;
  tolerance: { rtol: number; atol: number };
  notes?: string;
}

/** The categories the tensor/autograd suite checks; the others are for the layers/losses/optim suites. */
export const TENSOR_CATEGORIES = [
  'elementwise',
  'edge',
  'reductions',
  'shape',
  'matmul',
  'activations',
] as const;
export type TensorCategory = (typeof TENSOR_CATEGORIES)[number];

/**
 * Categories whose cases this repository generates itself (a script beside them, e.g.
 * fixtures/sdpa/generate.py); they are not in the shared index.json.
 */
export const GENERATED_CATEGORIES = ['sdpa'] as const;
export type GeneratedCategory = (typeof GENERATED_CATEGORIES)[number];

const files = import.meta.glob<RefCase>(
  [
    '../fixtures/elementwise/*.json',
    '../fixtures/edge/*.json',
    '../fixtures/reductions/*.json',
    '../fixtures/shape/*.json',
    '../fixtures/matmul/*.json',
    '../fixtures/activations/*.json',
    '../fixtures/sdpa/*.json',
  ],
  { eager: true, import: 'default' },
);

interface IndexFile {
  count: number;
  cases: { file: string; category: string; name: string }[];
}

const index = Object.values(
  import.meta.glob<IndexFile>('../fixtures/index.json', { eager: true, import: 'default' }),
)[0];

/** The case files index.json lists for the tensor categories (to prove none was left out). */
export function indexedTensorCases(): string[] {
  if (!index) throw new Error('fixtures/index.json is missing');
  return index.cases
    .filter((c) => (TENSOR_CATEGORIES as readonly string[]).includes(c.category))
    .map((c) => `${c.category}/${c.name}`)
    .sort();
}

/** Every case of one category, sorted by name. */
export function loadCases(category: TensorCategory | GeneratedCategory): RefCase[] {
  return Object.entries(files)
    .filter(([path]) => path.includes(`/fixtures/${category}/`))
    .map(([, c]) => c)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A named group of tensors (`values`/`indices`, `out0`/`out1`) or a single tensor. */
export function isRefTensor(v: RefTensor | Record<string, RefTensor>): v is RefTensor {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v;
}

const SPECIAL = { inf: Number.POSITIVE_INFINITY, '-inf': Number.NEGATIVE_INFINITY, nan: Number.NaN };

/** Row-major flat values of a reference tensor. */
export function flatValues(t: RefTensor): number[] {
  const out: number[] = [];
  const walk = (v: NestedValue): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? SPECIAL[v] : v);
  };
  walk(t.data);
  return out;
}
