// Reductions and arg-reductions against the cpu backend.
import type { DType } from '@nn/tensor';
import { it } from 'vitest';
import { describeGpu, gpu } from './gpu-setup.js';
import { compare, contiguous, pair, ref, values } from './oracle.js';

describeGpu('reduce kernels against cpu', () => {
  for (const [shape, axes] of [
    [[7, 300], [1]],
    [[300, 7], [0]],
    [
      [5, 6, 7],
      [0, 2],
    ],
    [
      [4, 5000],
      [0, 1],
    ],
    [[2, 3], []],
    [[3, 0], [1]],
  ] as [number[], number[]][]) {
    it(`reduce sum/prod/max/min over ${JSON.stringify(axes)} of a transposed ${JSON.stringify(shape)}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const r = shape.length;
      // The view is the transpose of a contiguous tensor of the reversed shape.
      const strides = contiguous([...shape].reverse()).reverse();
      const outSize = shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1);
      for (const dtype of ['float32', 'int32'] as DType[]) {
        const x = pair(
          gpu,
          values(n, 7, dtype, dtype === 'float32' ? 0.5 : -3, dtype === 'float32' ? 1.5 : 4),
          dtype,
          shape,
          r ? strides : [],
        );
        for (const op of ['sum', 'prod', 'max', 'min'] as const) {
          if (n === 0 && (op === 'max' || op === 'min')) continue;
          const tol = { rtol: op === 'prod' ? 1e-4 : 2e-5, atol: 1e-5, what: `${op} ${dtype}` };
          await compare(gpu, gpu.reduce(op, x.gpu, axes), ref.reduce(op, x.cpu, axes), dtype, outSize, tol);
        }
      }
    });
  }

  it('reduce over leading dims of contiguous tensors (the vec4 column path): sum and prod, float and int', async () => {
    for (const [shape, axes] of [
      [[64, 12], [0]],
      [[3, 8, 16], [0]],
      [
        [5, 2, 8],
        [0, 1],
      ],
    ] as [number[], number[]][]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const outSize = shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1);
      for (const dtype of ['float32', 'int32'] as DType[]) {
        const x = pair(
          gpu,
          values(n, 13, dtype, dtype === 'float32' ? 0.9 : -2, dtype === 'float32' ? 1.1 : 3),
          dtype,
          shape,
        );
        for (const op of ['sum', 'prod'] as const) {
          const what = `${op} ${dtype} ${JSON.stringify(shape)}`;
          await compare(gpu, gpu.reduce(op, x.gpu, axes), ref.reduce(op, x.cpu, axes), dtype, outSize, {
            rtol: 1e-5,
            atol: 1e-5,
            what,
          });
        }
      }
    }
  });

  it('reduce max and argmax propagate NaN and pick the first of ties', async () => {
    const data = Float32Array.from([1, 5, 5, 2, Number.NaN, 3, 0, 0, 0, 7, 7, -1]);
    const x = pair(gpu, data, 'float32', [3, 4]);
    await compare(gpu, gpu.reduce('max', x.gpu, [1]), ref.reduce('max', x.cpu, [1]), 'float32', 3);
    for (const op of ['argmax', 'argmin'] as const) {
      await compare(gpu, gpu.argReduce(op, x.gpu, 1), ref.argReduce(op, x.cpu, 1), 'int32', 3, {
        what: op,
      });
      await compare(gpu, gpu.argReduce(op, x.gpu, 0), ref.argReduce(op, x.cpu, 0), 'int32', 4, {
        what: op,
      });
    }
    const long = pair(gpu, values(5000, 3), 'float32', [5000]);
    await compare(
      gpu,
      gpu.argReduce('argmax', long.gpu, 0),
      ref.argReduce('argmax', long.cpu, 0),
      'int32',
      1,
    );
  });

  it('reduce of very long rows (chunked over workgroups, then the partials): sum, max, min', async () => {
    for (const [shape, axes] of [
      [[3, 40000], [1]],
      [[100000], [0]],
      [
        [20, 5000],
        [0, 1],
      ],
    ] as [number[], number[]][]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const outSize = shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1);
      const x = pair(gpu, values(n, 41, 'float32', -1, 1), 'float32', shape);
      for (const op of ['sum', 'max', 'min'] as const) {
        const what = `${op} ${JSON.stringify(shape)}`;
        await compare(gpu, gpu.reduce(op, x.gpu, axes), ref.reduce(op, x.cpu, axes), 'float32', outSize, {
          rtol: 1e-4,
          atol: 1e-3,
          what,
        });
      }
      const xi = pair(gpu, values(n, 42, 'int32', -5, 5), 'int32', shape);
      await compare(gpu, gpu.reduce('sum', xi.gpu, axes), ref.reduce('sum', xi.cpu, axes), 'int32', outSize);
    }
  });
});
