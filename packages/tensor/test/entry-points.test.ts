import { cpu } from '@nn/backend-cpu';
import { describe, expect, it } from 'vitest';
import * as pub from '../src/index.js';
import { bmm, IndexError, matmul, ones, ShapeError, scatterAdd, tensor, use, zeros } from '../src/index.js';
import * as internal from '../src/internal.js';

describe('entry points', () => {
  it("'@nn/tensor' and '@nn/tensor/internal' export disjoint names", () => {
    const shared = Object.keys(internal).filter((k) => k in pub);
    expect(shared).toEqual([]);
  });

  it('the engine and unchecked kernels are reachable only from @nn/tensor/internal', () => {
    for (const name of [
      'recordOp',
      'setGradEngine',
      'getGradEngine',
      'fromStorage',
      'batchedMatmul',
      'scatterAddZeros',
      'unary',
      'binary',
      'SavedTensor',
      'takeCounters',
      'fillRandom',
      'randpermArray',
      'sliceView',
    ]) {
      expect(name in pub, `${name} in '@nn/tensor'`).toBe(false);
      expect(name in internal, `${name} in '@nn/tensor/internal'`).toBe(true);
    }
  });

  it('what replaced them publicly checks its input (the cases that reached the kernels unchecked)', () => {
    use(cpu());
    const out = zeros([2]);
    const index = tensor(Int32Array.from([5]), { dtype: 'int32' });
    expect(() => scatterAdd(out, 0, index, ones([1]))).toThrow(IndexError);
    expect(() => scatterAdd(out, 0, index, ones([1]))).toThrow(
      'scatterAdd: index 5 is out of bounds for dim 0 with size 2',
    );
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    expect(() => bmm(zeros([1, 2, 3]), zeros([1, 4, 5]))).toThrow(
      'matmul: cannot multiply [1,2,3] by [1,4,5] (inner dimensions 3 and 4 differ)',
    );
  });
});
