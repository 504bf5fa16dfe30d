// Square float32 matmul throughput of nn's WebGPU backend and of TensorFlow.js's WebGPU backend on
// the same adapter in the same process. Run from packages/backend-webgpu after a build:
//   npx tsc -b tsconfig.build.json && node scripts/bench-matmul.mjs [sizes...] [--rounds=5]
// Each timing queues `reps` products and waits for the last one (one read). The two libraries
// alternate round by round and the best round of each is kept, so a busy machine slows both alike.
// Besides wall-clock GFLOP/s it prints GFLOP per CPU-second of this process (lavapipe runs its
// shader threads inside it), which other jobs on the machine disturb much less.
import { matmul, rand, use } from '@nn/tensor';
import { webgpu } from '../dist/index.js';

const args = process.argv.slice(2);
const sizes = args.filter((s) => /^\d+$/.test(s)).map(Number);
const rounds = Number(args.find((s) => s.startsWith('--rounds='))?.slice(9) ?? 5);
const backend = await webgpu();
use(backend);
console.log(`adapter: ${backend.adapterInfo}`);

// TensorFlow.js finds WebGPU through navigator.gpu: give it Dawn's.
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
if (!globalThis.navigator?.gpu)
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-webgpu');
await tf.setBackend('webgpu');
await tf.ready();

function cpuMs() {
  const r = process.resourceUsage();
  return (r.userCPUTime + r.systemCPUTime) / 1000;
}

async function timeIt(run, reps) {
  const t0 = performance.now();
  const c0 = cpuMs();
  await run(reps);
  return { wall: (performance.now() - t0) / reps, cpu: (cpuMs() - c0) / reps };
}

for (const n of sizes.length ? sizes : [128, 256, 512, 1024]) {
  const flops = 2 * n * n * n;
  const reps = Math.max(2, Math.min(20, Math.ceil(1e9 / flops)));
  const a = rand([n, n]);
  const b = rand([n, n]);
  const ta = tf.randomUniform([n, n]);
  const tb = tf.randomUniform([n, n]);
  const libs = {
    'nn-webgpu': async (k) => {
      let last;
      for (let i = 0; i < k; i++) {
        last?.dispose();
        last = matmul(a, b);
      }
      await last.data();
      last.dispose();
    },
    'tfjs-webgpu': async (k) => {
      let last;
      for (let i = 0; i < k; i++) {
        last?.dispose();
        last = tf.matMul(ta, tb);
      }
      await last.data();
      last.dispose();
    },
  };
  const best = {};
  for (const run of Object.values(libs)) await run(1); // compile
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(libs)) {
      const t = await timeIt(run, reps);
      const b = best[name] ?? { wall: Infinity, cpu: Infinity };
      best[name] = { wall: Math.min(b.wall, t.wall), cpu: Math.min(b.cpu, t.cpu) };
    }
  }
  for (const [name, t] of Object.entries(best)) {
    const wall = (flops / t.wall / 1e6).toFixed(2).padStart(6);
    const cpu = (flops / t.cpu / 1e6).toFixed(2).padStart(6);
    console.log(
      `n=${n} ${name.padEnd(12)} ${t.wall.toFixed(1).padStart(8)} ms ${wall} GFLOP/s ${cpu} GFLOP per CPU-second`,
    );
  }
  a.dispose();
  b.dispose();
  ta.dispose();
  tb.dispose();
}
process.exit(0);
