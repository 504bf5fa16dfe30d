import { readFileSync } from 'node:fs';

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

const NUMERIC: Record<string, keyof DemoOptions> = {
  '--epochs': 'epochs',
  '--batch-size': 'batchSize',
  '--lr': 'lr',
  '--train': 'train',
  '--test': 'test',
  '--seed': 'seed',
};

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

/** Options from flags, on top of an optional JSON options file, on top of the defaults; null for --help. */
export function parseArgs(argv: readonly string[]): DemoOptions | null {
  const args = argv.filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) return null;
  let o: DemoOptions = { ...DEFAULTS };
  const at = args.indexOf('--config');
  if (at >= 0) {
    const file = args[at + 1];
    if (!file) throw new UsageError('--config needs a file name');
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
    o = { ...o, ...(fromFile as Partial<DemoOptions>) };
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--config') {
      i++;
      continue;
    }
    if (a === '--no-progress') {
      o.progress = false;
      continue;
    }
    if (a === '--export') {
      o.export = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`${a} needs a value`);
    i++;
    if (a === '--model') o.model = value as ModelKind;
    else if (a === '--backend') o.backend = value as BackendName;
    else if (a === '--out') o.out = value;
    else if (a === '--schedule') o.schedule = value as DemoOptions['schedule'];
    else if (NUMERIC[a]) {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`${a} needs a number, got '${value}'`);
      (o as unknown as Record<string, number>)[NUMERIC[a]] = n;
    } else throw new UsageError(`unknown option ${a}`);
  }
  return check(o);
}
