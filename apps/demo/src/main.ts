// Trains a 784-128-10 MLP on real MNIST digits with raw tensors, autograd and a hand-written
// SGD step, printing the loss and the test accuracy.
import { installAutograd, noGrad } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { argmax, manualSeed, memory, randn, type Tensor, tensor, tidy, use, zeros } from '@nn/tensor';
import { loadDigits } from './mnist.js';

interface Options {
  epochs: number;
  batchSize: number;
  lr: number;
  hidden: number;
  seed: number;
}

const HELP = `npm run demo -- [options]

Trains a 784-<hidden>-10 MLP on 8,000 real MNIST digits and tests it on 2,000 others.
  --epochs N        passes over the training digits (default 5)
  --batch-size N    digits per SGD step (default 64)
  --lr X            learning rate (default 0.1)
  --hidden N        hidden units (default 128)
  --seed N          seed for the weights and the shuffle (default 0)
  --help            this text`;

function parseArgs(argv: string[]): Options {
  const o: Options = { epochs: 5, batchSize: 64, lr: 0.1, hidden: 128, seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    const value = Number(argv[++i]);
    const key = {
      '--epochs': 'epochs',
      '--batch-size': 'batchSize',
      '--lr': 'lr',
      '--hidden': 'hidden',
      '--seed': 'seed',
    }[a];
    if (!key || !Number.isFinite(value)) {
      console.error(`unknown option or bad value: ${a} ${argv[i] ?? ''}\n\n${HELP}`);
      process.exit(2);
    }
    (o as unknown as Record<string, number>)[key] = value;
  }
  return o;
}

async function main(): Promise<void> {
  const opt = parseArgs(process.argv.slice(2).filter((a) => a !== '--'));
  use(cpu());
  installAutograd();
  manualSeed(opt.seed);
  const data = loadDigits(8000, 2000, opt.seed + 1);
  const xTrain = tensor(data.train.x, { shape: [data.train.n, 784] });
  const yTrain = tensor(data.train.y);
  const xTest = tensor(data.test.x, { shape: [data.test.n, 784] });
  const yTest = tensor(data.test.y);

  // Kaiming-style init keeps the ReLU layer's activations at a sane scale.
  const w1 = randn([784, opt.hidden], { std: Math.sqrt(2 / 784), requiresGrad: true });
  const b1 = zeros([opt.hidden], { requiresGrad: true });
  const w2 = randn([opt.hidden, 10], { std: Math.sqrt(1 / opt.hidden), requiresGrad: true });
  const b2 = zeros([10], { requiresGrad: true });
  const params = [w1, b1, w2, b2];
  const forward = (x: Tensor): Tensor => x.matmul(w1).add(b1).relu().matmul(w2).add(b2);

  console.log(
    `nn demo: MLP 784-${opt.hidden}-10, ${data.train.n} train / ${data.test.n} test digits, SGD lr ${opt.lr}`,
  );
  for (let epoch = 1; epoch <= opt.epochs; epoch++) {
    const start = performance.now();
    let lossSum = 0;
    let batches = 0;
    for (let i = 0; i < data.train.n; i += opt.batchSize) {
      const n = Math.min(opt.batchSize, data.train.n - i);
      const loss = tidy(() => {
        const x = xTrain.narrow(0, i, n);
        const y = yTrain.narrow(0, i, n);
        const logp = forward(x).logSoftmax(1);
        const l = logp.gather(1, y.unsqueeze(1)).mean().neg();
        l.backward();
        noGrad(() => {
          for (const p of params) {
            p.assign(p.sub(p.grad!.mul(opt.lr)));
            p.zeroGrad();
          }
        });
        return l;
      });
      lossSum += loss.itemSync();
      loss.dispose();
      batches++;
    }
    const accuracy = tidy(() => argmax(forward(xTest), { dim: 1 }).eq(yTest).float().mean()).itemSync();
    const secs = (performance.now() - start) / 1000;
    console.log(
      `epoch ${epoch}/${opt.epochs}  loss ${(lossSum / batches).toFixed(4)}  test accuracy ${(accuracy * 100).toFixed(2)}%  (${secs.toFixed(1)} s)`,
    );
  }
  console.log(`live tensors: ${memory().numTensors}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
