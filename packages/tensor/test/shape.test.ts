import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexError, ShapeError, ValueError } from '../src/errors.js';
import {
  broadcastShapes,
  contiguousStrides,
  inferShape,
  isContiguous,
  normalizeDim,
  normalizeDims,
  sizeOf,
} from '../src/shape.js';

describe('shape helpers', () => {
  it('computes row-major strides and contiguity', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
    expect(isContiguous([1, 3], [99, 1])).toBe(true);
  });

  it('broadcasts like NumPy and names the op and both shapes on failure', () => {
    expect(broadcastShapes('add', [2, 3, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes('add', [], [2])).toEqual([2]);
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrowError(ShapeError);
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrowError(/add: shapes \[2,3\] and \[4\]/);
  });

  it('broadcasting is symmetric and every input dim is 1 or equal to the result (property)', () => {
    const dim = fc.integer({ min: 1, max: 4 });
    fc.assert(
      fc.property(
        fc.array(dim, { maxLength: 4 }),
        fc.array(fc.boolean(), { maxLength: 4 }),
        (shape, ones) => {
          const other = shape.map((d, i) => (ones[i] ? 1 : d)).slice(Math.floor(shape.length / 2));
          const out = broadcastShapes('t', shape, other);
          expect(broadcastShapes('t', other, shape)).toEqual(out);
          expect(sizeOf(out)).toBe(sizeOf(shape));
        },
      ),
    );
  });

  it('normalizes dims and rejects out-of-range ones', () => {
    expect(normalizeDim('sum', -1, 3)).toBe(2);
    expect(() => normalizeDim('sum', 3, 3)).toThrowError(IndexError);
    expect(() => normalizeDim('sum', 3, 3)).toThrowError(/sum: dim 3 is out of range for a tensor of rank 3/);
    expect(normalizeDims('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(() => normalizeDims('sum', [1, -2], 3)).toThrowError(ValueError);
  });

  it('infers one -1 in a shape', () => {
    expect(inferShape('reshape', [-1, 2], 24, [2, 3, 4])).toEqual([12, 2]);
    expect(() => inferShape('reshape', [5, -1], 24, [2, 3, 4])).toThrowError(ShapeError);
    expect(() => inferShape('reshape', [-1, -1], 24, [2, 3, 4])).toThrowError(/only one dimension can be -1/);
  });
});
