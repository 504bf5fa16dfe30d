// Square matmul throughput of the cpu backend's matmul kernel (the frontend adds only a few
// microseconds per call). Build first, then run from packages/backend-cpu:
//   npx tsc -b tsconfig.build.json && node scripts/bench-matmul.mjs [--float64] [sizes...]
// Reports wall-clock time and this process's CPU time; on a busy machine the CPU-time figure is
// the one that does not depend on what else is running.
import { matmul } from '../dist/matmul.js';

const args = process.argv.slice(2);
const dtype = args.includes('--float64') ? 'float64' : 'float32';
const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
const Ctor = dtype === 'float64' ? Float64Array : Float32Array;

function view(n, seed) {
  const data = new Ctor(n * n);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  return { storage: data, dtype, shape: [n, n], strides: [n, 1], offset: 0 };
}

for (const n of sizes.length ? sizes : [128, 256, 512, 1024]) {
  const a = view(n, 1);
  const b = view(n, 2);
  const flops = 2 * n * n * n;
  for (let i = 0; i < 3; i++) matmul(a, b);
  const reps = Math.max(5, Math.ceil(3e9 / flops));
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const u = process.cpuUsage();
    const t0 = performance.now();
    matmul(a, b);
    wall = Math.min(wall, performance.now() - t0);
    const du = process.cpuUsage(u);
    cpu = Math.min(cpu, (du.user + du.system) / 1000);
  }
  const g = (ms) => (flops / ms / 1e6).toFixed(2);
  console.log(
    `${dtype} n=${n}: best wall ${wall.toFixed(1)} ms = ${g(wall)} GFLOP/s, best cpu ${cpu.toFixed(1)} ms = ${g(cpu)} GFLOP/s (${reps} runs)`,
  );
}
