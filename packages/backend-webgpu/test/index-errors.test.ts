// Out-of-range index values: recorded by the kernel, reported as an IndexError by the next read.
import type { DType, TensorView, TypedArray } from '@nn/tensor';
import * as nn from '@nn/tensor';
import { IndexError } from '@nn/tensor';
import { expect, it } from 'vitest';
import { describeGpu, gpu } from './gpu-setup.js';
import { contiguous, values } from './oracle.js';

function view(data: TypedArray, dtype: DType, shape: number[], strides = contiguous(shape)): TensorView {
  return { storage: gpu.upload(data, dtype), dtype, shape, strides, offset: 0 };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('the read should have rejected');
}

describeGpu('out-of-range index values', () => {
  it('gather reports the op, dim, size and value at the next read of any tensor, once', async () => {
    const x = view(values(8, 1), 'float32', [2, 4]);
    const idx = view(Int32Array.from([0, 4, 1, 2]), 'int32', [2, 2]);
    gpu.gather(x, 1, idx);
    const other = view(Float32Array.from([1, 2, 3]), 'float32', [3]);
    const e = await rejection(gpu.read(other.storage, 'float32', 3));
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toBe(
      'gather: index 4 is out of range for dim 1 of size 4 (detected on the GPU at the next read)',
    );
    // Reported once: the flag is cleared, and in-range values read as usual.
    expect(Array.from(await gpu.read(other.storage, 'float32', 3))).toEqual([1, 2, 3]);
    const ok = gpu.gather(x, 1, view(Int32Array.from([3, 0, 1, 2]), 'int32', [2, 2]));
    const xs = await gpu.read(x.storage, 'float32', 8);
    expect(Array.from(await gpu.read(ok, 'float32', 4))).toEqual([xs[3], xs[0], xs[5], xs[6]]);
  });

  it('a negative index, and an empty read, report too', async () => {
    const x = view(values(6, 2), 'float32', [3, 2]);
    gpu.gather(x, 0, view(Int32Array.from([-2, 0]), 'int32', [1, 2]));
    const e = await rejection(gpu.read(gpu.fill(0, 'float32', 0), 'float32', 0));
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toContain('gather: index -2 is out of range for dim 0 of size 3');
  });

  it('scatterAdd reports on the scanning path and on the atomic path', async () => {
    const src = view(values(6, 3), 'float32', [2, 3]);
    const out = gpu.scatterAdd([2, 3], 1, view(Int32Array.from([0, 1, 3, 2, 2, 0]), 'int32', [2, 3]), src);
    let e = await rejection(gpu.read(out, 'float32', 6));
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toContain('scatterAdd: index 3 is out of range for dim 1 of size 3');
    // More than 64 indices along the dim take the atomic path.
    const long = Int32Array.from({ length: 100 }, (_, i) => i % 5);
    long[57] = 5;
    gpu.scatterAdd([5], 0, view(long, 'int32', [100]), view(values(100, 4), 'float32', [100]));
    e = await rejection(gpu.sync().then(() => gpu.read(src.storage, 'float32', 6)));
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toContain('scatterAdd: index 5 is out of range for dim 0 of size 5');
  });

  it('maxPool2d backward checks the pooling indices it is given', async () => {
    const back = gpu.fused.maxPool2dBackward;
    expect(back).toBeDefined();
    const dy = view(Float32Array.from([1, 2]), 'float32', [1, 2, 1, 1]);
    const dx = back!(dy, view(Int32Array.from([3, 4]), 'int32', [1, 2, 1, 1]), [1, 2, 2, 2]);
    const e = await rejection(gpu.read(dx, 'float32', 8));
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toContain(
      'maxPool2d backward: index 4 is out of range for an input plane of 4 elements',
    );
  });

  it('embedding (through indexSelect) rejects the read of its result', async () => {
    nn.registerBackend(gpu);
    nn.setBackend('webgpu');
    const weight = nn.tensor(values(12, 5), { shape: [4, 3] });
    const ids = nn.tensor(Int32Array.from([1, 9, 0]), { dtype: 'int32' });
    const y = nn.embedding(ids, weight);
    const e = await rejection(y.data());
    expect(e).toBeInstanceOf(IndexError);
    expect(e.message).toContain('indexSelect: index 9 is out of range for dim 0 of size 4');
    const good = nn.embedding(nn.tensor(Int32Array.from([3]), { dtype: 'int32' }), weight);
    expect(Array.from(await good.data())).toEqual(Array.from((await weight.data()).slice(9, 12)));
    nn.dispose([weight, ids, y, good]);
  });
});
