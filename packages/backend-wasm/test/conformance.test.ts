import { runConformance } from '@nn/conformance';
import { expect } from 'vitest';
import { wasm } from '../src/index.js';

// The shared suite on both kernel builds, each on one thread and with two worker threads (GEMM,
// conv and pooling split across them): the baseline SIMD kernels, and the relaxed-SIMD ones whose
// fused multiply-add may round differently in the last bit (the suite's tolerances against PyTorch
// must hold for both). Both are pinned, so the run does not depend on the engine.
async function pinned(relaxedSimd: boolean, threads: number, name: string) {
  const b = await wasm({ threads, name, relaxedSimd });
  expect(b.relaxedSimd).toBe(relaxedSimd);
  return b;
}

runConformance({ name: 'wasm', backend: () => pinned(false, 1, 'wasm') });
runConformance({ name: 'wasm (2 threads)', backend: () => pinned(false, 2, 'wasm-threads') });
runConformance({ name: 'wasm relaxed SIMD', backend: () => pinned(true, 1, 'wasm-relaxed') });
runConformance({
  name: 'wasm relaxed SIMD (2 threads)',
  backend: () => pinned(true, 2, 'wasm-relaxed-threads'),
});
