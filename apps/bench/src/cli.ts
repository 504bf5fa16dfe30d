import { parseArgs as parseFlags } from 'node:util';

/** Command-line options shared by every bench. */
export interface Options {
  /** Only these impls (e.g. nn-cpu, tfjs-wasm); every available one when undefined. */
  readonly impls: readonly string[] | undefined;
  /** matmul sizes. */
  readonly sizes: readonly number[];
  readonly samples: number;
  readonly warmup: number;
  /** train: epochs timed per model and impl. */
  readonly epochs: number;
  /** train: use only the first N training digits of the split. */
  readonly limit: number | undefined;
  /** train: which models. */
  readonly models: readonly string[];
  /** Print only JSON lines (no table, no skip notes on stdout). */
  readonly json: boolean;
  /** train: after the timed epochs, one more epoch under the profiler, with its breakdown. */
  readonly profile: boolean;
}

export const USAGE = `usage: pnpm bench <matmul|conv|train|io|sdpa|attention|all> [options]

  --impl a,b        only these impls: nn-cpu, nn-wasm, nn-wasm-1t, nn-webgpu,
                    tfjs-cpu, tfjs-wasm, tfjs-webgpu, ort-wasm, torch-cpu (default: every one present)
                    and, only when named, nn-wasm-baseline, nn-wasm-baseline-1t
  --sizes 128,256   matmul sizes (default 128,256,512,1024)
  --samples N       timed samples per measurement (default 7; median reported)
                    (attention: a TransformerEncoderLayer's forward + backward, then 100
                    training steps of the names GPT, per impl)
  --warmup N        untimed runs first (default 2)
  --epochs N        train: epochs per model (default 1)
  --limit N         train: first N of the 8,000 training digits (default all)
  --models a,b      train: mlp, cnn (default both)
  --profile         train: profile one more epoch per nn impl (where a step's time goes)
  --json            JSON lines only
  --help            this text
`;

const IMPLS = [
  'nn-cpu',
  'nn-wasm',
  'nn-wasm-1t',
  'nn-wasm-baseline',
  'nn-wasm-baseline-1t',
  'nn-webgpu',
  'tfjs-cpu',
  'tfjs-wasm',
  'tfjs-webgpu',
  'ort-wasm',
  'torch-cpu',
] as const;

export class UsageError extends Error {}

function list(flag: string, v: string): string[] {
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError(`${flag} needs a value`);
  return items;
}

function posInt(flag: string, v: string, min = 1): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} needs an integer >= ${min}, got ${v}`);
  return n;
}

/** The flags, for node:util's parseArgs (the singular/plural pairs are both accepted). */
const FLAGS = {
  impl: { type: 'string' },
  impls: { type: 'string' },
  sizes: { type: 'string' },
  size: { type: 'string' },
  samples: { type: 'string' },
  warmup: { type: 'string' },
  epochs: { type: 'string' },
  limit: { type: 'string' },
  models: { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
  profile: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readFlags(argv: readonly string[]) {
  // `pnpm run start -- x` forwards the `--` on some pnpm versions; it would end the options.
  return parseFlags({
    args: argv.filter((a) => a !== '--'),
    options: FLAGS,
    strict: true,
    allowPositionals: true,
  });
}

/** Splits argv into the bench names and the options. */
export function parseArgs(argv: readonly string[]): { benches: string[]; options: Options; help: boolean } {
  let parsed: ReturnType<typeof readFlags>;
  try {
    parsed = readFlags(argv);
  } catch (e) {
    // node:util's own message, first sentence: "Unknown option '--fast'", "Option '--sizes <value>' argument missing".
    throw new UsageError((e as Error).message.split('. ')[0]);
  }
  const v = parsed.values;
  const impl = v.impl ?? v.impls;
  const sizes = v.sizes ?? v.size;
  const models = v.models ?? v.model;
  const options: Options = {
    impls: impl === undefined ? undefined : list('--impl', impl),
    sizes:
      sizes === undefined ? [128, 256, 512, 1024] : list('--sizes', sizes).map((s) => posInt('--sizes', s)),
    samples: v.samples === undefined ? 7 : posInt('--samples', v.samples),
    warmup: v.warmup === undefined ? 2 : posInt('--warmup', v.warmup, 0),
    epochs: v.epochs === undefined ? 1 : posInt('--epochs', v.epochs),
    limit: v.limit === undefined ? undefined : posInt('--limit', v.limit),
    models: models === undefined ? ['mlp', 'cnn'] : list('--models', models),
    json: v.json ?? false,
    profile: v.profile ?? false,
  };
  for (const i of options.impls ?? []) {
    if (!(IMPLS as readonly string[]).includes(i))
      throw new UsageError(`--impl: unknown impl ${i} (${IMPLS.join(', ')})`);
  }
  for (const m of options.models)
    if (m !== 'mlp' && m !== 'cnn') throw new UsageError(`--models: unknown model ${m} (mlp, cnn)`);
  return { benches: parsed.positionals, options, help: v.help ?? false };
}

/** Impls that run only when --impl names them (comparisons of one library with itself). */
const OPT_IN: readonly string[] = ['nn-wasm-baseline', 'nn-wasm-baseline-1t'];

/** Whether an impl was asked for (every impl but the opt-in ones when no --impl was given). */
export function wanted(options: Options, impl: string): boolean {
  return options.impls === undefined ? !OPT_IN.includes(impl) : options.impls.includes(impl);
}
