// Both matmul kernels against the cpu backend: plain, transposed, batch-broadcast, unaligned.
import { it } from 'vitest';
import { describeGpu, simdGpu, tiledGpu } from './gpu-setup.js';
import { compare, pair, ref, values } from './oracle.js';

describeGpu('matmul kernels against cpu', () => {
  for (const [m, k, n] of [
    [1, 1, 1],
    [65, 33, 70],
    [128, 256, 64],
    [3, 200, 5],
    [13, 20, 36],
    [5, 8, 12],
  ]) {
    it(`matmul ${m}x${k} @ ${k}x${n}, plain, transposed and batch-broadcast (simd and tiled kernels)`, async () => {
      for (const gpu of [simdGpu, await tiledGpu]) {
        const a = pair(gpu, values(m * k, 1), 'float32', [m, k]);
        const b = pair(gpu, values(k * n, 2), 'float32', [k, n]);
        const tol = { rtol: 1e-4, atol: 1e-4 };
        await compare(gpu, gpu.matmul(a.gpu, b.gpu), ref.matmul(a.cpu, b.cpu), 'float32', m * n, tol);
        const at = pair(gpu, values(m * k, 3), 'float32', [m, k], [1, m]);
        const bt = pair(gpu, values(k * n, 4), 'float32', [k, n], [1, k]);
        await compare(gpu, gpu.matmul(at.gpu, bt.gpu), ref.matmul(at.cpu, bt.cpu), 'float32', m * n, tol);
        // [2,3] batch: a broadcast over the first batch dim (stride 0), b over the second.
        const ab = pair(gpu, values(3 * m * k, 5), 'float32', [2, 3, m, k], [0, m * k, k, 1]);
        const bb = pair(gpu, values(2 * k * n, 6), 'float32', [2, 3, k, n], [k * n, 0, n, 1]);
        await compare(gpu, gpu.matmul(ab.gpu, bb.gpu), ref.matmul(ab.cpu, bb.cpu), 'float32', 6 * m * n, tol);
        // Offsets that break vec4 alignment take the copy-then-vec4 path.
        const ao = pair(gpu, values(m * k + 1, 7), 'float32', [m, k], [k, 1], 1);
        await compare(gpu, gpu.matmul(ao.gpu, b.gpu), ref.matmul(ao.cpu, b.cpu), 'float32', m * n, tol);
      }
    });
  }
});
