// Fused Adam/AdamW and SGD steps against PyTorch's update rules.
import { expect, it } from 'vitest';
import { describeGpu, gpu } from './gpu-setup.js';
import { expectClose, pair, values } from './oracle.js';

describeGpu('optim kernels against cpu', () => {
  // PyTorch's Adam/AdamW and SGD updates in float64, the reference for the fused kernels.
  function adamRef(
    d: Float32Array[],
    a: {
      lr: number;
      beta1: number;
      beta2: number;
      eps: number;
      weightDecay: number;
      decoupled: boolean;
      step: number;
    },
    amsgrad: boolean,
  ) {
    const [p0, g0, m0, v0, x0] = d;
    const n = p0.length;
    const out = {
      p: new Float32Array(n),
      m: new Float32Array(n),
      v: new Float32Array(n),
      vMax: new Float32Array(n),
    };
    for (let i = 0; i < n; i++) {
      let p = p0[i];
      let g = g0[i];
      if (a.decoupled) p *= 1 - a.lr * a.weightDecay;
      else g += a.weightDecay * p;
      const m = a.beta1 * m0[i] + (1 - a.beta1) * g;
      const v = a.beta2 * v0[i] + (1 - a.beta2) * g * g;
      const vu = amsgrad ? Math.max(x0[i], v) : v;
      const denom = Math.sqrt(vu) / Math.sqrt(1 - a.beta2 ** a.step) + a.eps;
      out.p[i] = p - (a.lr / (1 - a.beta1 ** a.step)) * (m / denom);
      out.m[i] = m;
      out.v[i] = v;
      out.vMax[i] = vu;
    }
    return out;
  }

  for (const amsgrad of [false, true]) {
    for (const decoupled of [false, true]) {
      it(`fused adamStep (amsgrad ${amsgrad}, decoupled ${decoupled}) matches PyTorch's update`, async () => {
        const n = 300;
        const data = [1, 2, 3, 4, 5].map((s) => values(n, s, 'float32', s > 3 ? 0 : -1, 1) as Float32Array);
        const [p, g, m, v, vMax] = data.map((d) => pair(gpu, d, 'float32', [n]).gpu);
        const args = {
          lr: 0.01,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0.1,
          decoupled,
          step: 3,
        };
        const og = gpu.fused.adamStep!({ p, g, m, v, vMax: amsgrad ? vMax : undefined, ...args });
        const want = adamRef(data, args, amsgrad);
        for (const k of (amsgrad ? ['p', 'm', 'v', 'vMax'] : ['p', 'm', 'v']) as (
          | 'p'
          | 'm'
          | 'v'
          | 'vMax'
        )[]) {
          expectClose(await gpu.read(og[k]!, 'float32', n), want[k], 1e-5, 1e-6, k);
        }
        expect(og.vMax === undefined).toBe(!amsgrad);
      });
    }
  }

  for (const [momentum, nesterov, firstStep] of [
    [0, false, false],
    [0.9, false, true],
    [0.9, true, false],
  ] as const) {
    it(`fused sgdStep (momentum ${momentum}, nesterov ${nesterov}, first step ${firstStep}) matches PyTorch's update`, async () => {
      const n = 100;
      const data = [1, 2, 3].map((s) => values(n, s) as Float32Array);
      const [p, g, buf] = data.map((d) => pair(gpu, d, 'float32', [n]).gpu);
      const args = { lr: 0.1, momentum, dampening: 0.1, weightDecay: 0.01, nesterov, firstStep };
      const og = gpu.fused.sgdStep!({ p, g, buf: momentum ? buf : undefined, ...args });
      const wantP = new Float32Array(n);
      const wantB = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let d = data[1][i] + args.weightDecay * data[0][i];
        if (momentum) {
          const b = firstStep ? d : momentum * data[2][i] + (1 - args.dampening) * d;
          wantB[i] = b;
          d = nesterov ? d + momentum * b : b;
        }
        wantP[i] = data[0][i] - args.lr * d;
      }
      expectClose(await gpu.read(og.p, 'float32', n), wantP, 1e-5, 1e-6, 'p');
      expect(og.buf === undefined).toBe(momentum === 0);
      if (og.buf) expectClose(await gpu.read(og.buf, 'float32', n), wantB, 1e-5, 1e-6, 'buf');
    });
  }
});
