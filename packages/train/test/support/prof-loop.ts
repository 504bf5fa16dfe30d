import { installAutograd } from '@nn/autograd';
import { wasm } from '@nn/backend-wasm';
import { cpu } from '@nn/backend-cpu';
import { Linear, ReLU, Sequential } from '@nn/layers';
import { crossEntropy } from '@nn/losses';
import { Adam } from '@nn/optim';
import { argmax, manualSeed, randn, tidy, use } from '@nn/tensor';

const [which, useTidy] = process.argv.slice(2);
use(which === 'wasm' ? await wasm() : cpu());
installAutograd();
manualSeed(5);
const data = randn([8192, 32]);
const model = new Sequential(new Linear(32, 32), new ReLU(), new Linear(32, 4));
const labels = argmax(data.narrow(1, 0, 4), { dim: 1 });
const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
const t = { fwd: 0, bwd: 0, step: 0, read: 0 };
const t0 = performance.now();
for (let step = 1; step <= 2000; step++) {
  const from = ((step - 1) * 16) % 8192;
  let a = performance.now();
  const x = data.narrow(0, from, 16);
  const y = labels.narrow(0, from, 16);
  const loss = useTidy ? tidy(() => crossEntropy(model.call(x), y)) : crossEntropy(model.call(x), y);
  let b = performance.now(); t.fwd += b - a; a = b;
  loss.backward();
  b = performance.now(); t.bwd += b - a; a = b;
  optimizer.step();
  optimizer.zeroGrad();
  b = performance.now(); t.step += b - a; a = b;
  await loss.item();
  b = performance.now(); t.read += b - a;
}
console.log(which, ((performance.now() - t0) / 2000).toFixed(2), 'ms/step', Object.entries(t).map(([k, v]) => `${k} ${(v / 2000).toFixed(3)}`).join(' '));
