import { describe, expect, it } from 'vitest';
import {
  type ConvProblem,
  checkConv,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  referenceConv,
} from '../src/benches/conv-check.js';
import { WrongResultError } from '../src/benches/matmul-check.js';
import { uniformArray } from '../src/rng.js';

const p: ConvProblem = {
  n: 2,
  c: 3,
  h: 6,
  w: 5,
  outC: 4,
  k: 3,
  x: uniformArray(2 * 3 * 6 * 5, 1),
  weight: uniformArray(4 * 3 * 3 * 3, 2),
  bias: uniformArray(4, 3),
};
const oh = p.h - p.k + 1;
const ow = p.w - p.k + 1;

/** The loss sum(conv2d(x, w, b)) by direct loops, for central differences. */
function loss(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let n = 0; n < p.n; n++)
    for (let o = 0; o < p.outC; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let y = b[o];
          for (let c = 0; c < p.c; c++)
            for (let ki = 0; ki < p.k; ki++)
              for (let kj = 0; kj < p.k; kj++)
                y +=
                  x[((n * p.c + c) * p.h + i + ki) * p.w + j + kj] * w[((o * p.c + c) * p.k + ki) * p.k + kj];
          s += y;
        }
  return s;
}

function numericGrad(which: 'x' | 'w' | 'b'): Float64Array {
  const base = { x: Float64Array.from(p.x), w: Float64Array.from(p.weight), b: Float64Array.from(p.bias) };
  const t = base[which];
  const g = new Float64Array(t.length);
  const h = 1e-3;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    t[i] = v + h;
    const up = loss(base.x, base.w, base.b);
    t[i] = v - h;
    const down = loss(base.x, base.w, base.b);
    t[i] = v;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

describe('referenceConv', () => {
  const ref = referenceConv(p);

  it('gives sum(y) of a direct convolution', () => {
    expect(ref.ySum).toBeCloseTo(loss(p.x, p.weight, p.bias), 9);
  });

  it('gives the gradients that central differences give', () => {
    for (const [name, got] of [
      ['x', ref.dx],
      ['w', ref.dw],
      ['b', ref.db],
    ] as const) {
      const want = numericGrad(name);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
    }
  });
});

describe('checkConv', () => {
  const ref = referenceConv(p);

  it('accepts the reference and rejects a wrong weight gradient', () => {
    expect(() => checkConv(p, ref, 'ok')).not.toThrow();
    const dw = Float64Array.from(ref.dw);
    dw[7] *= 1.01;
    expect(() => checkConv(p, { ...ref, dw }, 'bad')).toThrow(WrongResultError);
    expect(() => checkConv(p, { ...ref, dw }, 'bad')).toThrow(/dL\/dweight\[7\]/);
  });

  it('rejects a missing bias term in the forward sum', () => {
    const noBias = ref.ySum - p.bias.reduce((s, b) => s + b * p.n * oh * ow, 0);
    expect(() => checkConv(p, { ...ref, ySum: noBias }, 'fwd')).toThrow(/sum\(y\)/);
  });
});

describe('layout conversions', () => {
  it('NCHW -> NHWC -> NCHW is the identity, and moves channels last', () => {
    const nhwc = nchwToNhwc(p.x, p.n, p.c, p.h, p.w);
    // x[n=1, c=2, h=3, w=4] in NCHW sits at ((1*6+3)*5+4)*3+2 in NHWC.
    expect(nhwc[((1 * 6 + 3) * 5 + 4) * 3 + 2]).toBe(p.x[((1 * 3 + 2) * 6 + 3) * 5 + 4]);
    expect(nhwcToNchw(nhwc, p.n, p.c, p.h, p.w)).toEqual(p.x);
  });

  it('OIHW -> HWIO -> OIHW is the identity, and moves out-channels last', () => {
    const hwio = oihwToHwio(p.weight, p.outC, p.c, p.k);
    // w[o=3, i=1, y=2, x=0] in OIHW sits at ((2*3+0)*3+1)*4+3 in HWIO.
    expect(hwio[((2 * 3 + 0) * 3 + 1) * 4 + 3]).toBe(p.weight[((3 * 3 + 1) * 3 + 2) * 3 + 0]);
    expect(hwioToOihw(hwio, p.outC, p.c, p.k)).toEqual(p.weight);
  });
});
