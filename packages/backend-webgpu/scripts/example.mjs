// The README example; run after a build: `npx tsc -b tsconfig.build.json && node scripts/example.mjs`
import { cpu } from '@nn/backend-cpu';
import { manualSeed, matmul, randn, registerBackend, setBackend, softmax, tensor } from '@nn/tensor';
import { webgpu } from '../dist/index.js';

registerBackend(cpu());
try {
  const gpu = await webgpu();
  registerBackend(gpu);
  setBackend('webgpu');
  console.log(`on ${gpu.adapterInfo}`);
} catch (e) {
  // No adapter (no driver): the message says why in one line; cpu keeps working.
  console.log(`${e.message}\nstaying on cpu`);
}

manualSeed(0);
const x = tensor([
  [1, -2, 3],
  [0.5, 0, -1],
]);
const y = matmul(x.relu(), randn([3, 4]));
console.log(y.shape); // [2, 4]: queued on the GPU, nothing waited yet
console.log(await softmax(y, 1).sum({ dim: 1 }).data()); // Float32Array [1, 1]: the read waits
console.log(await x.argmax({ dim: 1 }).data()); // Int32Array [2, 0]
