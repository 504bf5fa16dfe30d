// `npm run demo -- names`: train the names GPT, report validation loss, the time it took to reach
// the target, 20 sampled names, and save the model and its loss chart.
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installAutograd } from '@nn/autograd';
import { loadNames } from '@nn/data';
import { saveModel } from '@nn/io';
import { manualSeed, memory } from '@nn/tensor';
import { formatDuration } from '@nn/train';
import { selectBackend } from '../backend.js';
import { lossChart } from '../chart.js';
import { gptConfigOf, type NamesOptions, trainConfigOf } from './args.js';
import { NamesGPT } from './model.js';
import { sampleNames } from './sample.js';
import { evaluateLoss, nameRows, type StepReport, trainNames } from './train.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The target: validation loss at or below this many nats per character. */
export const TARGET_LOSS = 2.1;

/** A live one-line bar on a terminal; nothing elsewhere (the step lines below say enough). */
function progressLine(total: number, started: number, enabled: boolean) {
  const tty = enabled && process.stdout.isTTY === true;
  let last = 0;
  let loss: number | undefined;
  let val: number | undefined;
  return {
    step(r: StepReport): void {
      if (r.loss !== undefined) loss = r.loss;
      const now = performance.now();
      if (!tty || (now - last < 100 && r.step < total)) return;
      last = now;
      const secs = (now - started) / 1000;
      const width = 24;
      const filled = Math.round((r.step / total) * width);
      const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (r.step < total ? '>' : '=') : ''}${' '.repeat(width - filled)}]`;
      const parts = [
        `step ${r.step}/${total}`,
        bar,
        loss !== undefined ? `loss ${loss.toFixed(3)}` : '',
        val !== undefined ? `val ${val.toFixed(3)}` : '',
        `lr ${r.lr.toExponential(1)}`,
        `${(r.step / secs).toFixed(1)} steps/s`,
        `ETA ${formatDuration((secs / r.step) * (total - r.step))}`,
      ];
      process.stdout.write(`\r${parts.filter(Boolean).join('  ')}\x1b[K`);
    },
    validation(v: number): void {
      val = v;
    },
    clear(): void {
      if (tty) process.stdout.write('\r\x1b[K');
    },
  };
}

export async function runNames(opt: NamesOptions): Promise<void> {
  const backendLabel = await selectBackend(opt.backend);
  installAutograd();
  manualSeed(opt.seed);
  const { train, validation, vocabulary } = await loadNames({ seed: opt.seed });
  const gpt = gptConfigOf(opt, vocabulary.size);
  const tc = trainConfigOf(opt);
  const model = new NamesGPT(gpt);
  const trainRows = nameRows(vocabulary, train, opt.context);
  const valRows = nameRows(vocabulary, validation, opt.context);
  console.log(
    [
      `nn demo: character-level GPT on English first names (${model.numParameters().toLocaleString('en-US')} parameters) on ${backendLabel}`,
      `  data       ${train.length.toLocaleString('en-US')} training / ${validation.length} validation names, vocabulary '${vocabulary.tokens.join('')}' (${vocabulary.size} tokens, '.' = start/end)`,
      `  model      ${opt.layers} pre-norm TransformerEncoderLayers (causal), width ${opt.width}, ${opt.heads} heads, feed-forward ${opt.feedforward} (relu), context ${opt.context}, dropout ${opt.dropout}, learned positions, ${opt.tieWeights ? 'head tied to the token embedding' : 'untied head'}, final LayerNorm`,
      `  training   ${opt.steps} steps, batch ${opt.batchSize} names (each cut to its longest), AdamW lr ${opt.lr} betas (0.9, 0.99) weight decay ${opt.weightDecay} on matrices,`,
      `             lr: linear warm-up over ${opt.warmup} steps, then cosine to ${Number((opt.lr * tc.minLrRatio).toPrecision(3))} at step ${opt.steps}; init N(0, 0.02) embeddings; seed ${opt.seed}`,
      '',
    ].join('\n'),
  );

  const valPoints: [number, number][] = [];
  let reached: { step: number; seconds: number } | null = null;
  let evalSeconds = 0;
  const started = performance.now();
  const bar = progressLine(opt.steps, started, opt.progress);
  const result = await trainNames(model, trainRows, tc, async (r) => {
    bar.step(r);
    if (r.step % opt.evalEvery !== 0 && r.step !== opt.steps) return;
    const t0 = performance.now();
    const v = await evaluateLoss(model, valRows);
    evalSeconds += (performance.now() - t0) / 1000;
    valPoints.push([r.step, v]);
    bar.validation(v);
    // Training time only: the evaluations that watch for the target are not part of it.
    const trainSeconds = (performance.now() - started) / 1000 - evalSeconds;
    if (!reached && v <= TARGET_LOSS) reached = { step: r.step, seconds: trainSeconds };
    if (!opt.progress || !process.stdout.isTTY) {
      console.log(`step ${r.step}/${opt.steps}  val loss ${v.toFixed(4)}  (${formatDuration(trainSeconds)})`);
    }
  });
  bar.clear();
  const trainSeconds = result.seconds - evalSeconds;
  const valLoss = valPoints.length ? valPoints[valPoints.length - 1][1] : await evaluateLoss(model, valRows);
  const trainLoss = await evaluateLoss(model, trainRows);
  const names = await sampleNames(model, vocabulary, {
    count: opt.samples,
    temperature: opt.temperature,
    seed: opt.seed,
  });

  const outDir = resolve(here, '..', '..', opt.out);
  const modelPath = join(outDir, 'names-gpt.safetensors');
  const chartPath = join(outDir, 'names-gpt-loss.svg');
  await saveModel(model, modelPath, {
    config: { ...gpt, vocabulary: vocabulary.tokens.join(''), training: tc },
  });
  const svg = lossChart(
    `nn · names GPT (${opt.layers}×${opt.width}, ${opt.backend}) · validation ${valLoss.toFixed(3)} nats/char`,
    [
      {
        label: 'train (batch)',
        values: result.losses.map(([, l]) => l),
        x: result.losses.map(([s]) => s),
        color: '#1f77b4',
      },
      {
        label: 'validation',
        values: valPoints.map(([, l]) => l),
        x: valPoints.map(([s]) => s),
        color: '#d62728',
      },
    ],
  );
  await writeFile(chartPath, svg);

  const show = (p: string): string => relative(process.env.INIT_CWD ?? process.cwd(), p) || p;
  const hit = reached as { step: number; seconds: number } | null;
  console.log(
    [
      `validation loss ${valLoss.toFixed(4)} nats/char on ${validation.length} held-out names (training names: ${trainLoss.toFixed(4)}; a bigram model scores about 2.45)`,
      hit
        ? `target ${TARGET_LOSS} reached at step ${hit.step} after ${hit.seconds.toFixed(1)} s of training (checked every ${opt.evalEvery} steps)`
        : `target ${TARGET_LOSS} not reached`,
      `training took   ${trainSeconds.toFixed(1)} s (${((trainSeconds / opt.steps) * 100).toFixed(2)} s per 100 steps; validation checks ${evalSeconds.toFixed(1)} s more)`,
      `samples (temperature ${opt.temperature}, seed ${opt.seed}, key/value cache):`,
      `  ${names.join(', ')}`,
      `model saved to  ${show(modelPath)} (config in its metadata)`,
      `chart saved to  ${show(chartPath)}`,
    ].join('\n'),
  );
  for (const p of model.parameters()) p.dispose();
  if (process.env.NN_DEMO_DEBUG) console.log(`live tensors at exit: ${memory().numTensors}`);
}
