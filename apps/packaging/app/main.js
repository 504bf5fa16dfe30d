// The tiny app that Vite, webpack and esbuild bundle from the packed tarballs, with no bundler
// configuration (test/bundlers.test.ts): one training step of a small network on each backend.
// The page puts what happened on window.__nn for the test to read.
import * as nn from '@nn/all';
import { wasm } from '@nn/backend-wasm';
import { webgpu } from '@nn/backend-webgpu';
import { writeFileAtomic } from '@nn/io';

/** Loss before and after one SGD step; the same seed gives every backend the same start. */
async function trainOneStep() {
  nn.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 1));
  const opt = new nn.SGD(model.parameters(), { lr: 0.05 });
  const x = nn.randn([32, 4]);
  const y = x.sum({ dim: 1, keepdim: true });
  const before = nn.mseLoss(model.call(x), y);
  opt.zeroGrad();
  before.backward();
  opt.step();
  const after = nn.mseLoss(model.call(x), y);
  return { before: await before.item(), after: await after.item() };
}

const errorText = (e) => `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`;

async function main() {
  const results = {};
  const backends = {
    cpu: async () => nn.setBackend('cpu'),
    wasm: async () => {
      const b = nn.use(await wasm({ threads: 2 }));
      return { threads: b.threads };
    },
    webgpu: async () => {
      nn.use(await webgpu());
    },
  };
  for (const [name, start] of Object.entries(backends)) {
    try {
      const info = await start();
      results[name] = { ...info, ...(await trainOneStep()) };
    } catch (e) {
      results[name] = { error: errorText(e) };
    }
  }
  // Browser builds resolve the packages without the `node` condition: no 41 MB mnist and no
  // node:fs in the bundle, and a clear error where a function needs them.
  results.loadMnist = await nn.loadMnist().then(() => 'loaded', errorText);
  results.writeFileAtomic = await writeFileAtomic('model.json', 'x').then(() => 'written', errorText);
  results.loadModel = await nn.NeuralNetwork.load('model.json').then(() => 'loaded', errorText);
  window.__nn = results;
}

main().catch((e) => {
  window.__nn = { error: errorText(e) };
});
