// The README example: `pnpm build && node scripts/example.mjs`.
import { matmul, memory, randn, registerBackend, setBackend, softmax, tensor, tidy } from '@nn/tensor';
import { wasm } from '../dist/index.js';

const backend = await wasm(); // threads default to the number of cores
registerBackend(backend);
setBackend('wasm');

const x = tensor([
  [1, -2, 3],
  [0.5, 0, -1],
]);
console.log(x.relu().add(1).dataSync()); // Float32Array [2, 1, 4, 1.5, 1, 1]
console.log(softmax(x, 1).sum({ dim: 1 }).dataSync()); // Float32Array [1, 1]
const y = tidy(() => matmul(randn([512, 256]), randn([256, 128])));
console.log(y.shape, backend.threads); // [512, 128] 2 (on a 2-core machine)
console.log(backend.relaxedSimd); // true on Node >= 22 and Chromium; false on Node 20 (see relaxedSimd)
y.dispose();
console.log(memory().backends.wasm.bytesInUse > 0); // true: x is still alive
backend.dispose(); // stop the worker threads so the process can exit at once
