// Cost of cutting one epoch of shuffled MNIST batches (8,000 × 784, batch 64) two ways on the cpu
// backend: indexSelect on the backend (what TensorDataset does) and host slicing + upload.
// Run after a build: node packages/data/scripts/batch-cost.mjs
import { cpu } from '@nn/backend-cpu';
import { randpermArray, tensor, use } from '@nn/tensor';
import { DataLoader, loadMnistArrays, TensorDataset } from '../dist/index.js';

use(cpu());
const { train } = await loadMnistArrays();
const X = tensor(train.x, { shape: [train.n, 784] });
const Y = tensor(train.y);
const loader = new DataLoader(new TensorDataset(X, Y), { batchSize: 64, shuffle: true });
const rounds = 5;
let t0 = performance.now();
for (let r = 0; r < rounds; r++) for (const _ of loader);
const device = (performance.now() - t0) / rounds;
t0 = performance.now();
for (let r = 0; r < rounds; r++) {
  const perm = randpermArray(train.n);
  for (let i = 0; i < train.n; i += 64) {
    const n = Math.min(64, train.n - i);
    const buf = new Float32Array(n * 784);
    for (let k = 0; k < n; k++)
      buf.set(train.x.subarray(perm[i + k] * 784, (perm[i + k] + 1) * 784), k * 784);
    tensor(buf, { shape: [n, 784] }).dispose();
  }
}
const host = (performance.now() - t0) / rounds;
console.log(
  JSON.stringify({
    epochMs: { indexSelectOnBackend: +device.toFixed(1), hostSliceUpload: +host.toFixed(1) },
  }),
);
