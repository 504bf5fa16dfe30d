import { readFileSync } from 'node:fs';
import { parseArgs as parseFlags } from 'node:util';

export type ModelKind = 'mlp' | 'cnn';
export type BackendName = 'cpu' | 'wasm' | 'webgpu';

export interface DemoOptions {
  model: ModelKind;
  backend: BackendName;
  epochs: number;
  batchSize: number;
  lr: number;
  train: number;
  test: number;
  seed: number;
  out: string;
  progress: boolean;
  schedule: 'cosine' | 'none';
  /** Also write the model as safetensors and ONNX next to the JSON. */
  export: boolean;
}

export const DEFAULTS: DemoOptions = {
  model: 'cnn',
  backend: 'wasm',
  epochs: 6,
  batchSize: 32,
  lr: 2e-3,
  train: 8000,
  test: 2000,
  seed: 0,
  out: 'output',
  progress: true,
  schedule: 'cosine',
  export: false,
};

export const HELP = `npm run demo -- [options]
npm run demo -- names [options]   (the character-level names GPT; see npm run demo -- names --help)

Trains a network on real MNIST digits (8,000 to train, 2,000 held out to test), showing a
progress bar and per-epoch loss and accuracy, then saves the model and a loss/accuracy chart.

  --model cnn|mlp     cnn: LeNet-style convolutional net (default); mlp: 784-128-10
  --backend NAME      wasm (default: WebAssembly SIMD, multi-threaded), cpu or webgpu
  --epochs N          passes over the training digits (default ${DEFAULTS.epochs})
  --batch-size N      digits per Adam step (default ${DEFAULTS.batchSize})
  --lr X              Adam learning rate (default ${DEFAULTS.lr})
  --train N           training digits (default ${DEFAULTS.train})
  --test N            held-out test digits (default ${DEFAULTS.test}; train + test <= 10,000)
  --schedule NAME     cosine: anneal the lr to ~0 over the epochs (default); none: constant lr
  --seed N            seed of the split, the weights and the shuffle (default ${DEFAULTS.seed})
  --out DIR           where to write the model and chart (default apps/demo/output)
  --no-progress       no live progress bar (one line per epoch)
  --export            also write the model as mnist-<model>.safetensors (PyTorch loads it)
                      and mnist-<model>.onnx (ONNX Runtime runs it) next to the JSON
  --config FILE       read options from a JSON file ({"model":"mlp","epochs":3}); flags win
  --help              this text`;

/** The flags, for node:util's parseArgs; numbers arrive as text and are checked below. */
const FLAGS = {
  model: { type: 'string' },
  backend: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  train: { type: 'string' },
  test: { type: 'string' },
  schedule: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  'no-progress': { type: 'boolean' },
  export: { type: 'boolean' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const NUMERIC = {
  epochs: 'epochs',
  'batch-size': 'batchSize',
  lr: 'lr',
  train: 'train',
  test: 'test',
  seed: 'seed',
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

function check(o: DemoOptions): DemoOptions {
  if (o.model !== 'mlp' && o.model !== 'cnn')
    throw new UsageError(`--model must be mlp or cnn, got '${o.model}'`);
  if (!['cpu', 'wasm', 'webgpu'].includes(o.backend))
    throw new UsageError(`--backend must be cpu, wasm or webgpu, got '${o.backend}'`);
  for (const k of ['epochs', 'batchSize', 'train', 'test'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1)
      throw new UsageError(`${k} must be a positive integer, got ${o[k]}`);
  }
  if (o.schedule !== 'cosine' && o.schedule !== 'none')
    throw new UsageError(`--schedule must be cosine or none, got '${o.schedule}'`);
  if (!Number.isInteger(o.seed) || o.seed < 0)
    throw new UsageError(`seed must be a non-negative integer, got ${o.seed}`);
  if (!(o.lr > 0) || !Number.isFinite(o.lr))
    throw new UsageError(`lr must be a positive number, got ${o.lr}`);
  if (o.train + o.test > 10000)
    throw new UsageError(
      `train + test must be at most 10,000 (the digits in the mnist package), got ${o.train + o.test}`,
    );
  return o;
}

function readFlags(argv: readonly string[]) {
  // Some pnpm versions forward the `--` of `pnpm demo -- --epochs 3`; it would end the options.
  return parseFlags({ args: argv.filter((a) => a !== '--'), options: FLAGS, strict: true }).values;
}

function readConfig(file: string): Partial<DemoOptions> {
  let fromFile: unknown;
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read options file ${file}: ${(e as Error).message}`);
  }
  if (!fromFile || typeof fromFile !== 'object' || Array.isArray(fromFile))
    throw new UsageError(`${file} must hold a JSON object of options`);
  const unknown = Object.keys(fromFile).filter((k) => !(k in DEFAULTS));
  if (unknown.length) throw new UsageError(`${file}: unknown options ${unknown.join(', ')}`);
  return fromFile as Partial<DemoOptions>;
}

/** Options from flags, on top of an optional JSON options file, on top of the defaults; null for --help. */
export function parseArgs(argv: readonly string[]): DemoOptions | null {
  let values: ReturnType<typeof readFlags>;
  try {
    values = readFlags(argv);
  } catch (e) {
    // node:util's own message, first sentence: "Unknown option '--bogus'", "Option '--lr <value>' argument missing".
    throw new UsageError((e as Error).message.split('. ')[0]);
  }
  if (values.help) return null;
  const o: DemoOptions = { ...DEFAULTS, ...(values.config === undefined ? {} : readConfig(values.config)) };
  if (values.model !== undefined) o.model = values.model as ModelKind;
  if (values.backend !== undefined) o.backend = values.backend as BackendName;
  if (values.out !== undefined) o.out = values.out;
  if (values.schedule !== undefined) o.schedule = values.schedule as DemoOptions['schedule'];
  if (values['no-progress']) o.progress = false;
  if (values.export) o.export = true;
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const text = values[flag as keyof typeof NUMERIC];
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`--${flag} needs a number, got '${text}'`);
    o[key] = n;
  }
  return check(o);
}
