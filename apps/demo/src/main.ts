// The main job: train a CNN (or MLP) on real MNIST digits with @nn/data and @nn/train, show
// progress, report test accuracy and time per epoch, save the model and a loss/accuracy chart.
// `names` as the first argument runs the second main job instead (./names/demo.ts).
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installAutograd } from '@nn/autograd';
import { DataLoader, loadMnist, TensorDataset } from '@nn/data';
import { CrossEntropyLoss } from '@nn/losses';
import { Adam, CosineAnnealingLR } from '@nn/optim';
import { dispose, manualSeed, memory } from '@nn/tensor';
import { ConfusionMatrix, classificationReport, evaluate, fit, predict, saveWeights } from '@nn/train';
import { type DemoOptions, HELP, parseArgs, UsageError } from './args.js';
import { selectBackend } from './backend.js';
import { lossAccuracyChart } from './chart.js';
import { exportModel } from './export.js';
import { buildModel, describeModel } from './models.js';
import { NAMES_HELP, type NamesOptions, parseNamesArgs } from './names/args.js';
import { runNames } from './names/demo.js';

const here = dirname(fileURLToPath(import.meta.url));

async function run(opt: DemoOptions): Promise<void> {
  const backendLabel = await selectBackend(opt.backend);
  installAutograd();
  manualSeed(opt.seed);
  const { train, test } = await loadMnist({
    train: opt.train,
    test: opt.test,
    seed: opt.seed,
    shape: opt.model,
  });
  const model = buildModel(opt.model);
  const optimizer = new Adam(model.parameters(), { lr: opt.lr });
  const loss = new CrossEntropyLoss();
  console.log(
    `nn demo: ${describeModel(opt.model)} (${model.numParameters().toLocaleString('en-US')} parameters) on ${backendLabel}\n` +
      `  ${train.x.shape[0].toLocaleString('en-US')} training / ${test.x.shape[0].toLocaleString('en-US')} test digits, ` +
      `${opt.epochs} epochs, batch ${opt.batchSize}, Adam lr ${opt.lr}${opt.schedule === 'cosine' ? ' (cosine-annealed)' : ''}\n`,
  );

  const started = performance.now();
  const history = await fit(model, {
    loss,
    optimizer,
    train: new DataLoader(new TensorDataset(train.x, train.y), { batchSize: opt.batchSize, shuffle: true }),
    validation: [test.x, test.y],
    epochs: opt.epochs,
    metrics: ['accuracy'],
    scheduler: opt.schedule === 'cosine' ? new CosineAnnealingLR(optimizer, { tMax: opt.epochs }) : undefined,
    progress: opt.progress ? {} : { mode: 'epoch' },
  });
  const trainSeconds = (performance.now() - started) / 1000;

  const final = await evaluate(model, [test.x, test.y], { loss, metrics: ['accuracy'] });
  const logits = predict(model, test.x);
  const cm = new ConfusionMatrix(10);
  cm.update(logits, test.y);
  logits.dispose();
  const report = classificationReport(await cm.compute());
  cm.reset();

  const outDir = resolve(here, '..', opt.out);
  const modelPath = join(outDir, `mnist-${opt.model}.json`);
  const chartPath = join(outDir, `mnist-${opt.model}-curves.svg`);
  await saveWeights(model, modelPath);
  const exported = opt.export ? await exportModel(model, opt.model, outDir) : null;
  const pct = (v: number[]): number[] => v.map((x) => x * 100);
  const svg = lossAccuracyChart(
    `nn · ${describeModel(opt.model)} on MNIST (${opt.backend}) · test accuracy ${(final.accuracy * 100).toFixed(2)}%`,
    [
      { label: 'train loss', values: history.get('loss'), color: '#1f77b4' },
      { label: 'test loss', values: history.get('valLoss'), color: '#d62728' },
    ],
    [
      { label: 'train acc.', values: pct(history.get('accuracy')), color: '#1f77b4' },
      { label: 'test acc.', values: pct(history.get('valAccuracy')), color: '#d62728' },
    ],
  );
  await writeFile(chartPath, svg);

  const perEpoch = history.get('seconds');
  const meanEpoch = perEpoch.reduce((a, b) => a + b, 0) / perEpoch.length;
  // Paths as seen from where the user typed the command (npm and pnpm set INIT_CWD), not from apps/demo.
  const show = (p: string): string => relative(process.env.INIT_CWD ?? process.cwd(), p) || p;
  const worst = report.f1.map((f, d) => [d, f] as const).sort((a, b) => a[1] - b[1])[0];
  console.log(
    [
      '',
      `test accuracy   ${(final.accuracy * 100).toFixed(2)} % on ${test.x.shape[0].toLocaleString('en-US')} held-out digits (macro F1 ${report.macro.f1.toFixed(4)}; hardest digit ${worst[0]}, F1 ${worst[1].toFixed(3)})`,
      `time per epoch  ${meanEpoch.toFixed(1)} s (mean of ${perEpoch.length}; training took ${trainSeconds.toFixed(1)} s)`,
      `model saved to  ${show(modelPath)}`,
      ...(exported ? [`exported to     ${exported.map(show).join(', ')}`] : []),
      `chart saved to  ${show(chartPath)}`,
    ].join('\n'),
  );
  dispose([train.x, train.y, test.x, test.y]);
  for (const p of model.parameters()) p.dispose();
  optimizer.dispose();
  if (process.env.NN_DEMO_DEBUG) console.log(`live tensors at exit: ${memory().numTensors}`);
}

/** `npm run demo -- names ...`: the second main job, the names language model. */
async function mainNames(argv: readonly string[]): Promise<void> {
  let opt: NamesOptions | null;
  try {
    opt = parseNamesArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`nn demo names: ${e.message}\n\n${NAMES_HELP}`);
      process.exit(2);
    }
    throw e;
  }
  if (!opt) {
    console.log(NAMES_HELP);
    return;
  }
  await runNames(opt);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  if (argv[0] === 'names') return mainNames(argv.slice(1));
  let opt: DemoOptions | null;
  try {
    opt = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`nn demo: ${e.message}\n\n${HELP}`);
      process.exit(2);
    }
    throw e;
  }
  if (!opt) {
    console.log(HELP);
    return;
  }
  await run(opt);
}

main()
  // Backends may hold worker threads or a GPU device that keep Node alive once training is done.
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e instanceof Error && !process.env.NN_DEMO_DEBUG ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
