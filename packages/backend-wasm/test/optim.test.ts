import type * as nn from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend } from '../src/index.js';
import { backends, expectClose, randValues } from './helpers.js';

let w: WasmBackend;

beforeAll(async () => {
  w = (await backends()).wasm;
});

type Arr = number[];

/** PyTorch's Adam/AdamW step on plain arrays (the reference). */
function adamRef(
  p: Arr,
  g: Arr,
  m: Arr,
  v: Arr,
  vMax: Arr | null,
  o: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    decoupled: boolean;
    step: number;
  },
) {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const P: Arr = [],
    M: Arr = [],
    V: Arr = [],
    X: Arr = [];
  for (let i = 0; i < p.length; i++) {
    let pi = p[i];
    let gi = g[i];
    if (o.decoupled) pi *= 1 - o.lr * o.weightDecay;
    else gi += o.weightDecay * pi;
    M.push(o.beta1 * m[i] + (1 - o.beta1) * gi);
    V.push(o.beta2 * v[i] + (1 - o.beta2) * gi * gi);
    const use = vMax ? Math.max(vMax[i], V[i]) : V[i];
    X.push(use);
    P.push(pi - ((o.lr / bc1) * M[i]) / (Math.sqrt(use) / Math.sqrt(bc2) + o.eps));
  }
  return { p: P, m: M, v: V, vMax: X };
}

function sgdRef(
  p: Arr,
  g: Arr,
  buf: Arr | null,
  o: {
    lr: number;
    momentum: number;
    dampening: number;
    weightDecay: number;
    nesterov: boolean;
    firstStep: boolean;
  },
) {
  const P: Arr = [],
    B: Arr = [];
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + o.weightDecay * p[i];
    if (o.momentum !== 0) {
      const b = o.firstStep ? d : o.momentum * buf![i] + (1 - o.dampening) * d;
      B.push(b);
      d = o.nesterov ? d + o.momentum * b : b;
    }
    P.push(p[i] - o.lr * d);
  }
  return { p: P, buf: B };
}

const read = (s: unknown, n: number, dtype: nn.DType = 'float32') =>
  Array.from(w.readSync!(s, dtype, n) as Float32Array);

/** Views of host values on wasm: contiguous, or every other element of a twice-as-long buffer. */
function views(values: Arr, strided: boolean, dtype: 'float32' | 'float64'): nn.TensorView {
  const host = strided ? values.flatMap((x) => [x, 0]) : values;
  const storage = w.upload(dtype === 'float32' ? Float32Array.from(host) : Float64Array.from(host), dtype);
  return { storage, dtype, shape: [values.length], strides: [strided ? 2 : 1], offset: 0 };
}

describe('fused optimizer steps', () => {
  const n = 37;
  const [p, g, m, v, x] = [1, 2, 3, 4, 5].map((s, i) => randValues(n, s, i >= 3 ? 0 : -1, 1));
  for (const dtype of ['float32', 'float64'] as const) {
    for (const strided of [false, true]) {
      for (const [decoupled, weightDecay, amsgrad] of [
        [false, 0, false],
        [false, 0.1, true],
        [true, 0.05, false],
        [true, 0.01, true],
      ] as const) {
        it(`adamStep ${dtype} ${strided ? 'strided' : 'contiguous'} decoupled=${decoupled} wd=${weightDecay} amsgrad=${amsgrad}`, () => {
          const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step: 3 };
          const args = {
            p: views(p, strided, dtype),
            g: views(g, strided, dtype),
            m: views(m, strided, dtype),
            v: views(v, strided, dtype),
            vMax: amsgrad ? views(x, strided, dtype) : undefined,
            ...o,
          };
          const r = w.fused!.adamStep!(args);
          const want = adamRef(p, g, m, v, amsgrad ? x : null, o);
          const tol = dtype === 'float32' ? 2e-6 : 1e-14;
          expectClose(read(r.p, n, dtype), want.p, tol, tol);
          expectClose(read(r.m, n, dtype), want.m, tol, tol);
          expectClose(read(r.v, n, dtype), want.v, tol, tol);
          expect(r.vMax === undefined).toBe(!amsgrad);
          if (r.vMax) expectClose(read(r.vMax, n, dtype), want.vMax, tol, tol);
        });
      }
      for (const [momentum, dampening, nesterov, firstStep, weightDecay] of [
        [0, 0, false, false, 0],
        [0.9, 0, false, true, 0],
        [0.9, 0.1, false, false, 0.01],
        [0.8, 0, true, false, 0],
      ] as const) {
        it(`sgdStep ${dtype} ${strided ? 'strided' : 'contiguous'} momentum=${momentum} dampening=${dampening} nesterov=${nesterov} first=${firstStep}`, () => {
          const o = { lr: 0.1, momentum, dampening, weightDecay, nesterov, firstStep };
          const r = w.fused!.sgdStep!({
            p: views(p, strided, dtype),
            g: views(g, strided, dtype),
            buf: momentum ? views(m, strided, dtype) : undefined,
            ...o,
          });
          const want = sgdRef(p, g, m, o);
          const tol = dtype === 'float32' ? 2e-6 : 1e-14;
          expectClose(read(r.p, n, dtype), want.p, tol, tol);
          expect(r.buf === undefined).toBe(momentum === 0);
          if (r.buf) expectClose(read(r.buf, n, dtype), want.buf, tol, tol);
        });
      }
    }
  }
});
