/**
 * Precision against float64 references, tighter than the PyTorch cases allow: Adam/AdamW state and
 * weights after 25 steps, and logSoftmax of large logits (fused or composite, whichever the
 * backend uses).
 */
import { Adam, AdamW } from '@nn/optim';
import { dispose, logSoftmax, type Tensor, tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { values } from './compare.js';

const N = 37; // not a multiple of 4: the SIMD loops and their scalar tails both run
const STEPS = 25;

const grad = (k: number, i: number): number =>
  Math.sin(i * 1.3 + k * 0.7) * (1 + (i % 3)) * 10 ** ((i % 5) - 2);
const start = (i: number): number => Math.fround(Math.cos(i * 0.9) * 2);

interface AdamCase {
  lr: number;
  weightDecay: number;
  decoupled: boolean;
}

/** PyTorch's Adam/AdamW update in float64, from the float32 starting weights and gradients. */
function adamReference(c: AdamCase): { p: number[]; v: number[] } {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const p = Array.from({ length: N }, (_, i) => start(i));
  const m = new Array<number>(N).fill(0);
  const v = new Array<number>(N).fill(0);
  for (let k = 1; k <= STEPS; k++) {
    const bc1 = 1 - b1 ** k;
    const bc2 = 1 - b2 ** k;
    for (let i = 0; i < N; i++) {
      let g = Math.fround(grad(k, i));
      if (c.decoupled) p[i] *= 1 - c.lr * c.weightDecay;
      else g += c.weightDecay * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] -= (c.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps));
    }
  }
  return { p, v };
}

function worstRelative(got: readonly number[], want: readonly number[], floor: number): number {
  return Math.max(...want.map((w, i) => Math.abs(got[i] - w) / Math.max(Math.abs(w), floor)));
}

export function registerPrecisionTests(): void {
  describe('precision against float64', () => {
    it.each([
      ['Adam', { lr: 0.05, weightDecay: 0.01, decoupled: false }],
      ['AdamW', { lr: 0.05, weightDecay: 0.01, decoupled: true }],
    ] as const)('%s keeps its second moment and weights within float32 rounding', async (_, c) => {
      const p = tensor(
        Float32Array.from({ length: N }, (_, i) => start(i)),
        { requiresGrad: true },
      );
      const options = { lr: c.lr, weightDecay: c.weightDecay };
      const opt = c.decoupled ? new AdamW([p], options) : new Adam([p], options);
      const grads: Tensor[] = [];
      try {
        for (let k = 1; k <= STEPS; k++) {
          const g = tensor(Float32Array.from({ length: N }, (_, i) => grad(k, i)));
          grads.push(g);
          p.grad = g.clone();
          opt.step();
        }
        const want = adamReference(c);
        const v = await values(opt.state.get(p)?.expAvgSq as Tensor);
        // float32 rounding over 25 steps stays near 1e-6; a 1 - beta2 rounded in float32 costs 1.3e-5.
        expect(worstRelative(v, want.v, 1e-30)).toBeLessThan(3e-6);
        expect(worstRelative(await values(p), want.p, 1)).toBeLessThan(2e-6);
      } finally {
        opt.dispose();
        p.zeroGrad();
        dispose([p, ...grads]);
      }
    });

    it('logSoftmax keeps the digits of large logits', async () => {
      for (const scale of [1e4, -3e5, 2e6]) {
        const row = Array.from(Float32Array.from([0.1, 0.7, -0.3, 0.25, 1.5, -2], (v) => scale + v));
        const m = Math.max(...row);
        const lse = Math.log(row.reduce((acc, v) => acc + Math.exp(v - m), 0));
        const x = tensor([row, row.map((v) => v - scale)]);
        const y = logSoftmax(x, 1);
        const got = await values(y);
        dispose([x, y]);
        const worst = Math.max(...row.map((v, i) => Math.abs(got[i] - (v - m - lse))));
        expect(worst, `logits near ${scale}`).toBeLessThan(2e-6);
      }
    });
  });
}
