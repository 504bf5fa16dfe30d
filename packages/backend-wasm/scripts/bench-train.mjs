// Seconds per epoch of an MNIST-shaped MLP (784-128-10, batch 64, 60,000 synthetic samples) and of
// a small CNN (conv 8@3x3, pool, conv 16@3x3, pool, linear; batch 64, 10,000 samples) on wasm.
// Usage: pnpm build && node scripts/bench-train.mjs [threads]
import { installAutograd, noGrad } from '@nn/autograd';
import * as nn from '@nn/tensor';
import { wasm } from '../dist/index.js';

const threads = Number(process.argv[2] ?? 0) || undefined;
const b = await wasm({ threads });
nn.registerBackend(b);
nn.setBackend('wasm');
installAutograd();
nn.manualSeed(0);

function sgd(params, lr) {
  return params.map((q) => {
    const next = nn.tidy(() => noGrad(() => nn.sub(q, nn.mul(q.grad, lr))));
    q.dispose();
    return nn.keep(next.requiresGrad_());
  });
}

function epoch(name, forward, params, samples, shape, batch) {
  const x = nn.keep(nn.rand([batch, ...shape]));
  const y = nn.keep(nn.randint(0, 10, [batch, 1]));
  const steps = Math.ceil(samples / batch);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    nn.tidy(() => {
      const logp = nn.logSoftmax(forward(x, params), 1);
      nn.neg(nn.mean(nn.gather(logp, 1, y))).backward();
      return [];
    });
    params = sgd(params, 0.01);
  }
  const sec = (performance.now() - t0) / 1000;
  console.log(`${name}: ${sec.toFixed(2)} s/epoch (${steps} steps of ${batch}, threads=${b.threads})`);
  for (const t of [...params, x, y]) t.dispose();
}

const init = (shape, fan) => nn.keep(nn.mul(nn.randn(shape), Math.sqrt(2 / fan)).requiresGrad_());

epoch(
  'MLP 784-128-10',
  (x, [w1, b1, w2, b2]) => nn.add(nn.matmul(nn.relu(nn.add(nn.matmul(x, w1), b1)), w2), b2),
  [init([784, 128], 784), init([128], 784), init([128, 10], 128), init([10], 128)],
  60000,
  [784],
  64,
);

epoch(
  'CNN conv8-pool-conv16-pool-linear',
  (x, [c1, c2, w, bias]) => {
    const h1 = nn.maxPool2d(nn.relu(nn.conv2d(x, c1, null, { padding: 1 })), { kernelSize: 2 });
    const h2 = nn.maxPool2d(nn.relu(nn.conv2d(h1, c2, null, { padding: 1 })), { kernelSize: 2 });
    return nn.add(nn.matmul(nn.flatten(h2, 1), w), bias);
  },
  [init([8, 1, 3, 3], 9), init([16, 8, 3, 3], 72), init([16 * 7 * 7, 10], 784), init([10], 784)],
  10000,
  [1, 28, 28],
  64,
);
b.terminate();
