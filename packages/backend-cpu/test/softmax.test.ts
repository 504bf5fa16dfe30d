import type { TensorView } from '@nn/tensor';
import { getBackend, logSoftmax, softmax, tensor, use } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, randValues, ravel, size, unravel, viewValues } from './oracle.js';

beforeAll(() => {
  use(cpu());
});

/** Softmax of row-major values along `axis`, computed line by line in plain loops. */
function softmaxRef(v: number[], shape: number[], axis: number, log: boolean): number[] {
  const out = new Array<number>(v.length);
  const rest = shape.filter((_, i) => i !== axis);
  for (let o = 0; o < size(rest); o++) {
    const idx = unravel(o, rest);
    const at = (j: number): number => {
      const full = [...idx];
      full.splice(axis, 0, j);
      return ravel(full, shape);
    };
    let m = -Infinity;
    for (let j = 0; j < shape[axis]; j++) m = Math.max(m, v[at(j)]);
    let s = 0;
    for (let j = 0; j < shape[axis]; j++) s += Math.exp(v[at(j)] - m);
    for (let j = 0; j < shape[axis]; j++)
      out[at(j)] = log ? v[at(j)] - m - Math.log(s) : Math.exp(v[at(j)] - m) / s;
  }
  return out;
}

describe('fused softmax', () => {
  it('is provided', () => {
    expect(typeof cpu().fused?.softmax).toBe('function');
    expect(typeof cpu().fused?.softmaxBackward).toBe('function');
  });

  it('softmax and logSoftmax along every axis of a permuted input', () => {
    const d = randValues(60, 5, -10, 10);
    const x = tensor(d, { shape: [5, 4, 3] }).permute(2, 0, 1); // [3, 5, 4]
    const xv = viewValues(Float32Array.from(d), x);
    for (let axis = 0; axis < 3; axis++) {
      for (const log of [false, true]) {
        const y = log ? logSoftmax(x, axis) : softmax(x, axis);
        expect(y.shape).toEqual([3, 5, 4]);
        expectClose(y.dataSync(), softmaxRef(xv, [3, 5, 4], axis, log), 1e-6, 1e-6);
      }
    }
  });

  it('stays finite for huge logits and matches torch on -inf', () => {
    expectClose(softmax(tensor([1000, 1000, -Infinity]), 0).dataSync(), [0.5, 0.5, 0]);
    expectClose(logSoftmax(tensor([1e4, 0]), 0).dataSync(), [0, -1e4]);
    expectClose(softmax(tensor([-Infinity, -Infinity]), 0).dataSync(), [Number.NaN, Number.NaN]);
  });

  it('backward matches the Jacobian-vector product, for softmax and log-softmax', () => {
    const b = getBackend();
    const shape = [4, 6];
    const xv = randValues(24, 1);
    const gv = randValues(24, 2);
    for (const axis of [0, 1]) {
      for (const log of [false, true]) {
        const y = log
          ? logSoftmax(tensor(xv, { shape, dtype: 'float64' }), axis)
          : softmax(tensor(xv, { shape, dtype: 'float64' }), axis);
        const g = tensor(gv, { shape: [6, 4], dtype: 'float64' }).t(); // strided upstream gradient
        const gvals = viewValues(Float64Array.from(gv), g);
        const dx = b.readSync!(
          b.fused!.softmaxBackward!(y as TensorView, g as TensorView, axis, log),
          'float64',
          24,
        );
        const p = softmaxRef(xv, shape, axis, false);
        // dx_i = sum_j dy_j dy_j/dx_i, from the softmax Jacobian p_j (delta_ij - p_i).
        const expected = xv.map((_, e) => {
          const idx = unravel(e, shape);
          let acc = 0;
          for (let j = 0; j < shape[axis]; j++) {
            const o = [...idx];
            o[axis] = j;
            const f = ravel(o, shape);
            const jac = log ? (f === e ? 1 : 0) - p[e] : p[f] * ((f === e ? 1 : 0) - p[e]);
            acc += gvals[f] * jac;
          }
          return acc;
        });
        expectClose(dx, expected, 1e-12, 1e-14);
      }
    }
  });

  it('handles empty tensors', () => {
    expect(softmax(tensor([], { shape: [0, 3] }), 1).shape).toEqual([0, 3]);
    expect(softmax(tensor([], { shape: [2, 0] }), 1).dataSync().length).toBe(0);
  });
});
