// Square float32 matmul throughput of the cpu backend through the @nn/tensor frontend.
// Run from packages/backend-cpu after a build: `npx tsc -b tsconfig.build.json && node scripts/bench-matmul.mjs [sizes...]`
import { matmul, rand, use } from '@nn/tensor';
import { cpu } from '../dist/index.js';

use(cpu());
const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [128, 256, 512, 1024]) {
  const a = rand([n, n]);
  const b = rand([n, n]);
  const flops = 2 * n * n * n;
  // Warm up until the JIT has settled, then time enough repetitions for about a second.
  for (let i = 0; i < 3; i++) matmul(a, b).dispose();
  const reps = Math.max(3, Math.ceil(2e9 / flops));
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    matmul(a, b).dispose();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const best = times[0];
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `n=${n}: best ${best.toFixed(1)} ms = ${(flops / best / 1e6).toFixed(2)} GFLOP/s, median ${median.toFixed(1)} ms = ${(flops / median / 1e6).toFixed(2)} GFLOP/s (${reps} runs)`,
  );
  a.dispose();
  b.dispose();
}
