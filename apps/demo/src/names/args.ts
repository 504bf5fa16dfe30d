import { parseArgs as parseFlags } from 'node:util';
import { type BackendName, UsageError } from '../args.js';
import type { GPTConfig } from './model.js';
import type { TrainConfig } from './train.js';

export interface NamesOptions {
  backend: BackendName;
  layers: number;
  width: number;
  heads: number;
  feedforward: number;
  context: number;
  dropout: number;
  tieWeights: boolean;
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  /** Steps between two validation evaluations (for the chart and the time to target). */
  evalEvery: number;
  samples: number;
  temperature: number;
  seed: number;
  out: string;
  progress: boolean;
}

export const NAMES_DEFAULTS: NamesOptions = {
  backend: 'wasm',
  layers: 2,
  width: 64,
  heads: 4,
  feedforward: 256,
  context: 16,
  dropout: 0,
  tieWeights: true,
  steps: 1500,
  batchSize: 64,
  lr: 3e-3,
  warmup: 50,
  weightDecay: 0.1,
  evalEvery: 100,
  samples: 20,
  temperature: 0.8,
  seed: 0,
  out: 'output',
  progress: true,
};

const D = NAMES_DEFAULTS;

export const NAMES_HELP = `npm run demo -- names [options]

Trains a small GPT on 7,580 English first names (842 more held out) to predict the next
character, then prints the validation loss in nats per character, samples names with a
key/value cache, and saves the model and a loss chart.

  --backend NAME      wasm (default), cpu or webgpu
  --layers N          transformer layers (default ${D.layers})
  --width N           embedding width (default ${D.width})
  --heads N           attention heads (default ${D.heads}; must divide the width)
  --feedforward N     width of each layer's feed-forward block (default ${D.feedforward})
  --context N         longest input in tokens (default ${D.context}: the longest name, 15, plus '.')
  --dropout X         dropout in the layers (default ${D.dropout})
  --no-tie            an output head of its own instead of the token embedding's weight
  --steps N           AdamW steps (default ${D.steps})
  --batch-size N      names per step (default ${D.batchSize})
  --lr X              peak learning rate (default ${D.lr}), after --warmup N linear steps
                      (default ${D.warmup}), cosine-decayed to a tenth at the last step
  --weight-decay X    AdamW weight decay of the matrices (default ${D.weightDecay})
  --eval-every N      steps between validation losses (default ${D.evalEvery})
  --samples N         names to sample at the end (default ${D.samples})
  --temperature X     sampling temperature (default ${D.temperature})
  --seed N            seed of the weights, the batch order and the samples (default ${D.seed})
  --out DIR           where to write the model and chart (default apps/demo/output)
  --no-progress       no live progress bar
  --help              this text`;

const FLAGS = {
  backend: { type: 'string' },
  layers: { type: 'string' },
  width: { type: 'string' },
  heads: { type: 'string' },
  feedforward: { type: 'string' },
  context: { type: 'string' },
  dropout: { type: 'string' },
  'no-tie': { type: 'boolean' },
  steps: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  warmup: { type: 'string' },
  'weight-decay': { type: 'string' },
  'eval-every': { type: 'string' },
  samples: { type: 'string' },
  temperature: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const INTEGERS = {
  layers: 'layers',
  width: 'width',
  heads: 'heads',
  feedforward: 'feedforward',
  context: 'context',
  steps: 'steps',
  'batch-size': 'batchSize',
  warmup: 'warmup',
  'eval-every': 'evalEvery',
  samples: 'samples',
  seed: 'seed',
} as const;

const REALS = {
  dropout: 'dropout',
  lr: 'lr',
  'weight-decay': 'weightDecay',
  temperature: 'temperature',
} as const;

function check(o: NamesOptions): NamesOptions {
  if (!['cpu', 'wasm', 'webgpu'].includes(o.backend))
    throw new UsageError(`--backend must be cpu, wasm or webgpu, got '${o.backend}'`);
  for (const [flag, key] of Object.entries(INTEGERS)) {
    const v = o[key];
    const min = key === 'warmup' || key === 'seed' ? 0 : 1;
    if (!Number.isInteger(v) || v < min)
      throw new UsageError(`--${flag} must be an integer >= ${min}, got ${v}`);
  }
  if (o.width % o.heads !== 0) throw new UsageError(`--heads (${o.heads}) must divide --width (${o.width})`);
  if (o.context < 16)
    throw new UsageError(
      `--context must be at least 16 (the longest name, 15 characters, plus '.'), got ${o.context}`,
    );
  if (!(o.dropout >= 0 && o.dropout < 1))
    throw new UsageError(`--dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.lr > 0) || !Number.isFinite(o.lr))
    throw new UsageError(`--lr must be a positive number, got ${o.lr}`);
  if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay))
    throw new UsageError(`--weight-decay must be a number >= 0, got ${o.weightDecay}`);
  if (!(o.temperature > 0) || !Number.isFinite(o.temperature))
    throw new UsageError(`--temperature must be a positive number, got ${o.temperature}`);
  return o;
}

/** Options of `npm run demo -- names` from its flags (after the word `names`); null for --help. */
export function parseNamesArgs(argv: readonly string[]): NamesOptions | null {
  let values: ReturnType<
    typeof parseFlags<{ args: string[]; options: typeof FLAGS; strict: true }>
  >['values'];
  try {
    values = parseFlags({ args: argv.filter((a) => a !== '--'), options: FLAGS, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('. ')[0]);
  }
  if (values.help) return null;
  const o: NamesOptions = { ...NAMES_DEFAULTS };
  if (values.backend !== undefined) o.backend = values.backend as BackendName;
  if (values.out !== undefined) o.out = values.out;
  if (values['no-tie']) o.tieWeights = false;
  if (values['no-progress']) o.progress = false;
  for (const [flag, key] of [...Object.entries(INTEGERS), ...Object.entries(REALS)]) {
    const text = values[flag as keyof typeof values] as string | undefined;
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`--${flag} needs a number, got '${text}'`);
    (o as unknown as Record<string, number>)[key] = n;
  }
  return check(o);
}

/** The model the options describe, for a vocabulary of `vocabSize` tokens. */
export function gptConfigOf(o: NamesOptions, vocabSize: number): GPTConfig {
  return {
    vocabSize,
    context: o.context,
    layers: o.layers,
    width: o.width,
    heads: o.heads,
    feedforward: o.feedforward,
    dropout: o.dropout,
    activation: 'relu',
    tieWeights: o.tieWeights,
  };
}

/** The optimisation the options describe (the lr decays to a tenth of its peak). */
export function trainConfigOf(o: NamesOptions): TrainConfig {
  return {
    steps: o.steps,
    batchSize: o.batchSize,
    lr: o.lr,
    warmup: o.warmup,
    minLrRatio: 0.1,
    weightDecay: o.weightDecay,
    seed: o.seed,
  };
}
