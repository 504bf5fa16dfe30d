// gather, scatterAdd and concat against the cpu backend.
import { it } from 'vitest';
import { describeGpu, gpu } from './gpu-setup.js';
import { compare, pair, ref, values } from './oracle.js';

describeGpu('indexing kernels against cpu', () => {
  it('gather, scatterAdd and concat on strided views', async () => {
    const x = pair(gpu, values(20, 1), 'float32', [4, 5], [1, 4]);
    const idx = pair(gpu, values(12, 2, 'int32', 0, 4), 'int32', [3, 4]);
    await compare(gpu, gpu.gather(x.gpu, 0, idx.gpu), ref.gather(x.cpu, 0, idx.cpu), 'float32', 12);
    await compare(gpu, gpu.gather(x.gpu, 1, idx.gpu), ref.gather(x.cpu, 1, idx.cpu), 'float32', 12);
    const src = pair(gpu, values(12, 3), 'float32', [3, 4]);
    await compare(
      gpu,
      gpu.scatterAdd([4, 5], 0, idx.gpu, src.gpu),
      ref.scatterAdd([4, 5], 0, idx.cpu, src.cpu),
      'float32',
      20,
    );
    await compare(
      gpu,
      gpu.scatterAdd([4, 5], 1, idx.gpu, src.gpu),
      ref.scatterAdd([4, 5], 1, idx.cpu, src.cpu),
      'float32',
      20,
    );
    const isrc = pair(gpu, values(12, 3, 'int32'), 'int32', [3, 4]);
    await compare(
      gpu,
      gpu.scatterAdd([5, 4], 0, idx.gpu, isrc.gpu),
      ref.scatterAdd([5, 4], 0, idx.cpu, isrc.cpu),
      'int32',
      20,
    );
    const y = pair(gpu, values(8, 4), 'float32', [4, 2]);
    await compare(
      gpu,
      gpu.concat([x.gpu, y.gpu, x.gpu], 1, [4, 12]),
      ref.concat([x.cpu, y.cpu, x.cpu], 1, [4, 12]),
      'float32',
      48,
    );
  });

  it('scatterAdd over a long index run (the atomic path), float and int, with a broadcast index', async () => {
    const idx = pair(gpu, values(600, 31, 'int32', 0, 5), 'int32', [200, 3]);
    const src = pair(gpu, values(600, 32), 'float32', [200, 3]);
    const tol = { rtol: 1e-5, atol: 1e-5 };
    await compare(
      gpu,
      gpu.scatterAdd([5, 3], 0, idx.gpu, src.gpu),
      ref.scatterAdd([5, 3], 0, idx.cpu, src.cpu),
      'float32',
      15,
      tol,
    );
    const isrc = pair(gpu, values(600, 33, 'int32'), 'int32', [200, 3]);
    await compare(
      gpu,
      gpu.scatterAdd([5, 3], 0, idx.gpu, isrc.gpu),
      ref.scatterAdd([5, 3], 0, idx.cpu, isrc.cpu),
      'int32',
      15,
    );
    // An embedding's gradient: one index per row, read along the row with stride 0.
    const rows = pair(gpu, values(300, 34, 'int32', 0, 7), 'int32', [300, 4], [1, 0]);
    const g = pair(gpu, values(1200, 35), 'float32', [300, 4]);
    await compare(
      gpu,
      gpu.scatterAdd([7, 4], 0, rows.gpu, g.gpu),
      ref.scatterAdd([7, 4], 0, rows.cpu, g.cpu),
      'float32',
      28,
      tol,
    );
  });
});
