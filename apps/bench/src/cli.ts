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
}

export const USAGE = `usage: pnpm bench <matmul|conv|train|sdpa|all> [options]

  --impl a,b        only these impls: nn-cpu, nn-wasm, nn-wasm-1t, nn-webgpu,
                    tfjs-cpu, tfjs-wasm, tfjs-webgpu (default: every one present)
  --sizes 128,256   matmul sizes (default 128,256,512,1024)
  --samples N       timed samples per measurement (default 7; median reported)
  --warmup N        untimed runs first (default 2)
  --epochs N        train: epochs per model (default 1)
  --limit N         train: first N of the 8,000 training digits (default all)
  --models a,b      train: mlp, cnn (default both)
  --json            JSON lines only
  --help            this text
`;

const IMPLS = [
  'nn-cpu',
  'nn-wasm',
  'nn-wasm-1t',
  'nn-webgpu',
  'tfjs-cpu',
  'tfjs-wasm',
  'tfjs-webgpu',
] as const;

export class UsageError extends Error {}

function list(flag: string, v: string | undefined): string[] {
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function posInt(flag: string, v: string | undefined, min = 1): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} needs an integer >= ${min}, got ${v}`);
  return n;
}

/** Splits argv into the bench names and the options. */
export function parseArgs(argv: readonly string[]): { benches: string[]; options: Options; help: boolean } {
  const benches: string[] = [];
  let impls: string[] | undefined;
  let sizes = [128, 256, 512, 1024];
  let samples = 7;
  let warmup = 2;
  let epochs = 1;
  let limit: number | undefined;
  let models = ['mlp', 'cnn'];
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    // `pnpm run start -- x` forwards the `--` on some pnpm versions.
    if (a === '--') continue;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--impl':
      case '--impls':
        impls = list(flag, value());
        break;
      case '--sizes':
      case '--size':
        sizes = list(flag, value()).map((s) => posInt(flag, s));
        break;
      case '--samples':
        samples = posInt(flag, value());
        break;
      case '--warmup':
        warmup = posInt(flag, value(), 0);
        break;
      case '--epochs':
        epochs = posInt(flag, value());
        break;
      case '--limit':
        limit = posInt(flag, value());
        break;
      case '--models':
      case '--model':
        models = list(flag, value());
        break;
      case '--json':
        json = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        benches.push(a);
    }
  }
  for (const i of impls ?? []) {
    if (!(IMPLS as readonly string[]).includes(i))
      throw new UsageError(`--impl: unknown impl ${i} (${IMPLS.join(', ')})`);
  }
  for (const m of models)
    if (m !== 'mlp' && m !== 'cnn') throw new UsageError(`--models: unknown model ${m} (mlp, cnn)`);
  return { benches, options: { impls, sizes, samples, warmup, epochs, limit, models, json }, help };
}

/** Whether an impl was asked for (every impl when no --impl was given). */
export function wanted(options: Options, impl: string): boolean {
  return options.impls === undefined || options.impls.includes(impl);
}
