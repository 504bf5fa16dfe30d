import { describe, expect, it } from 'vitest';
import { formatTensor } from '../src/format.js';

describe('formatTensor prints like PyTorch', () => {
  it('prints float matrices with 4 decimals and aligned columns', () => {
    expect(formatTensor(new Float32Array([1.5, -2.25, 3, 4]), [2, 2], 'float32')).toBe(
      'tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]])',
    );
  });
  it('prints integral floats with a trailing dot, ints and bools plainly', () => {
    expect(formatTensor(new Float32Array([1, 2, 3]), [3], 'float32')).toBe('tensor([1., 2., 3.])');
    expect(formatTensor(new Int32Array([1, 2]), [2], 'int32')).toBe('tensor([1, 2], dtype=int32)');
    expect(formatTensor(new Uint8Array([1, 0]), [2], 'bool')).toBe('tensor([ True, False])');
  });
  it('prints scalars, grad info and summarises large tensors', () => {
    expect(formatTensor(new Float32Array([2.5]), [], 'float32', true)).toBe(
      'tensor(2.5000, requires_grad=True)',
    );
    expect(formatTensor(new Float32Array([2.5]), [], 'float32', true, 'mul')).toBe(
      'tensor(2.5000, grad_fn=<MulBackward0>)',
    );
    const big = formatTensor(new Float32Array(2000), [2000], 'float32');
    expect(big).toBe('tensor([0., 0., 0., ..., 0., 0., 0.])');
  });
});
