/**
 * scaledDotProductAttention beyond its reference cases: the backend's fused kernels (where it has
 * them) against the composite on the same backend for random shapes and masks, the composite
 * backward after a fused forward, seeded dropout, and no leaked tensors.
 */
import {
  type Backend,
  dispose,
  dropout,
  type FusedKernels,
  manualSeed,
  matmul,
  memory,
  mul,
  registerBackend,
  removeBackend,
  scaledDotProductAttention,
  softmax,
  sum,
  type Tensor,
  tensor,
  transpose,
} from '@nn/tensor';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMismatch, values } from './compare.js';
import type { SuiteContext } from './context.js';
import { rng, sizeOf } from './oracle.js';

/** The backend under test with other fused kernels: same storage, same everything else. */
function variant(b: Backend, name: string, fused: FusedKernels): Backend {
  return Object.create(b, { name: { value: name }, fused: { value: fused } }) as Backend;
}

type MaskKind = 'none' | 'causal' | 'bool' | 'float' | 'keyPadding';

interface Problem {
  batch: number[];
  l: number;
  s: number;
  e: number;
  ev: number;
  mask: MaskKind;
  seed: number;
}

const TOL = { rtol: 1e-4, atol: 2e-5 };

function draw(shape: number[], r: () => number): Float32Array {
  return Float32Array.from({ length: sizeOf(shape) }, () => Math.round((r() * 3 - 1.5) * 1000) / 1000);
}

/** Output and gradients of sum(sdpa(...) * G) on one backend. */
async function run(backend: string, p: Problem): Promise<Record<string, number[]>> {
  const r = rng(p.seed);
  const make = (shape: number[], requiresGrad = true) =>
    tensor(draw(shape, r), { shape, backend, requiresGrad });
  const q = make([...p.batch, p.l, p.e]);
  const k = make([...p.batch, p.s, p.e]);
  const v = make([...p.batch, p.s, p.ev]);
  let mask: Tensor | null = null;
  if (p.mask === 'bool') {
    const shape = [p.l, p.s];
    mask = tensor(
      Uint8Array.from({ length: sizeOf(shape) }, () => (r() < 0.7 ? 1 : 0)),
      { shape, dtype: 'bool', backend },
    );
  } else if (p.mask === 'keyPadding') {
    // [N, 1, 1, S] against [N, H, L, S]: batch dims the kernel cannot merge.
    const shape = [p.batch[0] ?? 1, ...p.batch.slice(1).map(() => 1), 1, p.s];
    mask = tensor(
      Uint8Array.from({ length: sizeOf(shape) }, (_, i) => (i % p.s === 0 || r() < 0.6 ? 1 : 0)),
      { shape, dtype: 'bool', backend },
    );
  } else if (p.mask === 'float') {
    const shape = [...p.batch.slice(-1), p.l, p.s];
    mask = tensor(draw(shape, r), { shape, backend });
  }
  const G = tensor(draw([...p.batch, p.l, p.ev], r), { shape: [...p.batch, p.l, p.ev], backend });
  const out = scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: p.mask === 'causal' });
  const weighted = mul(out, G);
  const loss = sum(weighted);
  loss.backward();
  const result = {
    out: await values(out),
    dq: await values(q.grad!),
    dk: await values(k.grad!),
    dv: await values(v.grad!),
  };
  for (const t of [q, k, v]) t.zeroGrad();
  dispose([q, k, v, G, out, weighted, loss, ...(mask ? [mask] : [])]);
  return result;
}

const problem = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
  l: fc.integer({ min: 1, max: 70 }),
  s: fc.integer({ min: 1, max: 70 }),
  e: fc.integer({ min: 1, max: 20 }),
  ev: fc.integer({ min: 1, max: 20 }),
  mask: fc.constantFrom<MaskKind>('none', 'causal', 'bool', 'float', 'keyPadding'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

export function registerAttentionTests(ctx: SuiteContext): void {
  describe('attention: fused kernels against the composite', () => {
    let composite: Backend;
    let forwardOnly: Backend;
    beforeAll(() => {
      const { attention: _a, attentionBackward: _b, ...rest } = ctx.backend.fused ?? {};
      composite = variant(ctx.backend, `${ctx.backend.name}-attention-composite`, rest);
      const f = ctx.backend.fused;
      forwardOnly = variant(ctx.backend, `${ctx.backend.name}-attention-forward-only`, {
        ...rest,
        ...(f?.attention ? { attention: f.attention } : {}),
      });
      registerBackend(composite);
      registerBackend(forwardOnly);
    });
    afterAll(() => {
      removeBackend(composite.name);
      removeBackend(forwardOnly.name);
    });

    it('random shapes, masks and causal: the same output and gradients', async () => {
      await fc.assert(
        fc.asyncProperty(problem, async (p) => {
          const want = await run(composite.name, p);
          for (const backend of [ctx.backend.name, forwardOnly.name]) {
            const got = await run(backend, p);
            for (const key of Object.keys(want)) {
              const mismatch = closeMismatch(got[key], want[key], TOL);
              expect(mismatch, `${key} on ${backend} for ${JSON.stringify(p)}`).toBeNull();
            }
          }
        }),
        { numRuns: 12 },
      );
    }, 120_000);

    it('leaves no tensor behind (forward, backward, results disposed)', async () => {
      const p: Problem = { batch: [2, 3], l: 9, s: 11, e: 5, ev: 4, mask: 'keyPadding', seed: 3 };
      await run(ctx.backend.name, p);
      const before = memory();
      await run(ctx.backend.name, p);
      const after = memory();
      expect({ n: after.numTensors, bytes: after.numBytes }).toEqual({
        n: before.numTensors,
        bytes: before.numBytes,
      });
    });
  });

  it('attention dropout draws its mask from the seeded generator, as dropout() of the weights', async () => {
    const r = rng(5);
    const q = tensor(draw([2, 3, 4], r), { shape: [2, 3, 4] });
    const k = tensor(draw([2, 6, 4], r), { shape: [2, 6, 4] });
    const v = tensor(draw([2, 6, 2], r), { shape: [2, 6, 2] });
    manualSeed(11);
    const got = scaledDotProductAttention(q, k, v, { dropoutP: 0.4 });
    manualSeed(11);
    const scores = matmul(mul(q, 0.5), transpose(k, -2, -1));
    const weights = softmax(scores, -1);
    const dropped = dropout(weights, { p: 0.4 });
    const want = matmul(dropped, v);
    expect(closeMismatch(await values(got), await values(want), TOL)).toBeNull();
    manualSeed(12);
    const other = scaledDotProductAttention(q, k, v, { dropoutP: 0.4 });
    expect(await values(other)).not.toEqual(await values(got));
    dispose([q, k, v, got, scores, weights, dropped, want, other]);
  });
}
