import type { ReduceOp, Tensor } from '@nn/tensor';
import { argmax, argmin, getBackend, tensor, use } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, randValues, ravel, size, unravel, viewValues } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

/** Plain-loop reduction of row-major `values` of `shape` over `axes`. */
function reduceRef(op: ReduceOp, values: number[], shape: number[], axes: number[]): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const init = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op];
  const out = new Array<number>(size(outShape)).fill(init);
  values.forEach((v, e) => {
    const idx = unravel(e, shape).filter((_, i) => !axes.includes(i));
    const o = ravel(idx, outShape);
    const m = out[o];
    if (op === 'sum') out[o] = m + v;
    else if (op === 'prod') out[o] = m * v;
    else if (Number.isNaN(m) || Number.isNaN(v)) out[o] = Number.NaN;
    else out[o] = op === 'max' ? Math.max(m, v) : Math.min(m, v);
  });
  return out;
}

function kernelReduce(
  op: ReduceOp,
  x: Tensor,
  axes: number[],
): Float32Array | Float64Array | Int32Array | Uint8Array {
  const b = getBackend();
  const outSize = size(x.shape.filter((_, i) => !axes.includes(i)));
  return b.readSync!(b.reduce(op, x, axes), x.dtype, outSize);
}

const AXES: number[][] = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];

describe('reduce', () => {
  for (const op of ['sum', 'prod', 'max', 'min'] as ReduceOp[]) {
    it(`${op} over every axis set of contiguous, permuted and sliced inputs`, () => {
      const lo = op === 'prod' ? 0.5 : -3;
      const hi = op === 'prod' ? 1.5 : 3;
      const shape = [3, 4, 5];
      const bases: [string, Tensor, number[]][] = [];
      const d0 = Array.from(Float32Array.from(randValues(60, 1, lo, hi)));
      bases.push(['contiguous', tensor(d0, { shape }), d0]);
      const d1 = Array.from(Float32Array.from(randValues(60, 2, lo, hi)));
      bases.push(['permuted', tensor(d1, { shape: [5, 3, 4] }).permute(1, 2, 0), d1]);
      const d2 = Array.from(Float32Array.from(randValues(6 * 4 * 10, 3, lo, hi)));
      bases.push(['sliced', tensor(d2, { shape: [6, 4, 10] }).index('::2', ':', '1::2'), d2]);
      const d3 = Array.from(Float32Array.from(randValues(4 * 5, 4, lo, hi)));
      bases.push(['broadcast', tensor(d3, { shape: [1, 4, 5] }).expand(3, 4, 5), d3]);
      for (const [name, x, base] of bases) {
        const values = viewValues(base, x);
        for (const axes of AXES) {
          const got = kernelReduce(op, x, axes);
          const expected = Array.from(Float32Array.from(reduceRef(op, values, shape, axes)));
          try {
            expectClose(got, expected, 1e-6, 1e-6);
          } catch (e) {
            throw new Error(`${op} ${name} axes [${axes}]: ${(e as Error).message}`);
          }
        }
      }
    });
  }

  it('sums float32 in double precision', () => {
    // Each 3e-8 is below half an ulp of 1 in float32, so float32 step-by-step accumulation would stay at 1.
    const values = new Float32Array(100_001).fill(3e-8);
    values[0] = 1;
    expectClose(tensor(values).sum().dataSync(), [Math.fround(1 + 1e5 * Math.fround(3e-8))], 1e-7, 0);
  });

  it('max/min propagate NaN from any position', () => {
    const x = tensor([1, Number.NaN, 3, 2, 5, 0], { shape: [2, 3] });
    expectClose(kernelReduce('max', x, [1]), [Number.NaN, 5]);
    expectClose(kernelReduce('min', x, [0]), [1, Number.NaN, 0]);
    expectClose(kernelReduce('max', x, [0, 1]), [Number.NaN]);
  });

  it('int32 sum/prod/max stay int32; bool max stays bool', () => {
    const x = tensor([5, -3, 65536, 65536], { dtype: 'int32' });
    expect(Array.from(kernelReduce('sum', x, [0]))).toEqual([131074]);
    expect(Array.from(kernelReduce('prod', x, [0]))).toEqual([0]);
    expect(Array.from(kernelReduce('max', x, [0]))).toEqual([65536]);
    const b = tensor([false, true, false]);
    const m = kernelReduce('max', b, [0]);
    expect(m).toBeInstanceOf(Uint8Array);
    expect(Array.from(m)).toEqual([1]);
  });

  it('empty reductions give the identity; empty outputs are empty', () => {
    const x = tensor([], { shape: [3, 0] });
    expect(Array.from(kernelReduce('sum', x, [1]))).toEqual([0, 0, 0]);
    expect(Array.from(kernelReduce('prod', x, [1]))).toEqual([1, 1, 1]);
    expect(kernelReduce('sum', x, [0]).length).toBe(0);
  });
});

describe('argReduce', () => {
  it('argmax/argmin along each axis of strided inputs match a plain loop, first index on ties', () => {
    const d = randValues(4 * 5 * 6, 7).map((v) => Math.round(v)); // many ties
    const x = tensor(d, { shape: [6, 5, 4] }).permute(2, 1, 0);
    const values = viewValues(Float32Array.from(d), x);
    const shape = [4, 5, 6];
    for (const op of ['argmax', 'argmin'] as const) {
      for (let axis = 0; axis < 3; axis++) {
        const outShape = shape.filter((_, i) => i !== axis);
        const expected = Array.from({ length: size(outShape) }, (_, o) => {
          const idx = unravel(o, outShape);
          let best = 0;
          let bestV = Number.NaN;
          for (let j = 0; j < shape[axis]; j++) {
            const full = [...idx];
            full.splice(axis, 0, j);
            const v = values[ravel(full, shape)];
            if (j === 0 || (op === 'argmax' ? v > bestV : v < bestV)) {
              best = j;
              bestV = v;
            }
          }
          return best;
        });
        const y = op === 'argmax' ? argmax(x, { dim: axis }) : argmin(x, { dim: axis });
        expect(y.dtype).toBe('int32');
        expect(Array.from(y.dataSync())).toEqual(expected);
      }
    }
  });

  it('treats the first NaN as the extreme, like PyTorch', () => {
    expect(argmax(tensor([1, Number.NaN, 5, Number.NaN])).itemSync()).toBe(1);
    expect(argmin(tensor([Number.NaN, -1])).itemSync()).toBe(0);
    expect(argmax(tensor([3, 7, 7, 1])).itemSync()).toBe(1);
    expect(argmin(tensor([3, 1, 7, 1], { dtype: 'int32' })).itemSync()).toBe(1);
  });
});
