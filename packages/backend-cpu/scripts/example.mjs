// The README example; run after a build: `npx tsc -b tsconfig.build.json && node scripts/example.mjs`
import { gelu, manualSeed, randn, softmax, tensor, use } from '@nn/tensor';
import { cpu } from '../dist/index.js';

use(cpu());
manualSeed(0);

const x = tensor([
  [1, -2, 3],
  [0.5, 0, -1],
]);
console.log(x.relu().add(1).toString()); // tensor([[2.0000, 1.0000, 4.0000], [1.5000, 1.0000, 1.0000]])
console.log(x.t().matmul(x).shape); // [3, 3]: the transposed view is read through its strides
console.log(softmax(x, 1).sum({ dim: 1 }).dataSync()); // Float32Array [1, 1]
const w = randn([3, 4]);
console.log(gelu(x.matmul(w)).shape); // [2, 4]
console.log(x.argmax({ dim: 1 }).dataSync()); // Int32Array [2, 0]
