// GFLOP/s of the wasm backend's matmul (float32, square n x n), single- and multi-threaded.
// Usage: pnpm build && node scripts/bench-matmul.mjs [threads...] [--baseline]   (default: 1 and
// all cores; relaxed-SIMD kernels where the engine has them, switched on in Node 20, unless
// --baseline asks for the baseline SIMD kernels)
// Each figure is the best of several timed runs, so other load on the machine shows less; the
// second figure divides by the process CPU time (all threads), which descheduling does not inflate.
import os from 'node:os';
import { wasm } from '../dist/index.js';

const sizes = [128, 256, 512, 1024];
const threadCounts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
if (threadCounts.length === 0) threadCounts.push(1, os.availableParallelism());

const view = (storage, n) => ({ storage, dtype: 'float32', shape: [n, n], strides: [n, 1], offset: 0 });

const b = await wasm({ relaxedSimd: !process.argv.includes('--baseline') });
console.log(`kernels: ${b.relaxedSimd ? 'relaxed SIMD' : 'baseline SIMD'}`);
for (const t of threadCounts) {
  b.setThreads(t);
  await new Promise((r) => setTimeout(r, 200));
  for (const n of sizes) {
    const values = new Float32Array(n * n).map(() => Math.random() - 0.5);
    const A = b.upload(values, 'float32');
    const B = b.upload(values, 'float32');
    b.free(b.matmul(view(A, n), view(B, n)));
    const flops = 2 * n * n * n;
    const reps = Math.max(1, Math.round(2e8 / flops));
    let best = Infinity;
    let bestCpu = Infinity;
    for (let trial = 0; trial < 7; trial++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) b.free(b.matmul(view(A, n), view(B, n)));
      const c = process.cpuUsage(c0);
      best = Math.min(best, (performance.now() - t0) / reps);
      bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000 / reps);
    }
    const g = (ms) => ((flops / ms) * 1e-6).toFixed(1);
    console.log(
      `threads=${t} n=${n}: ${g(best)} GFLOP/s wall (${best.toFixed(2)} ms), ${g(bestCpu)} GFLOP/s per CPU-second`,
    );
    b.free(A);
    b.free(B);
  }
}
b.dispose();
