// The fused attention kernels against the cpu backend, on both row-block widths (the software
// adapters' 4 rows per invocation and the GPUs' 2), and their memory: the forward pass must not
// hold anything the size of L x S, which the pool's peak byte count shows.
import { installAutograd } from '@nn/autograd';
import * as nn from '@nn/tensor';
import { beforeAll, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { describeGpu, gpu, tiledGpu } from './gpu-setup.js';
import { expectClose, ref, values } from './oracle.js';

type Mask = 'none' | 'causal' | 'bool' | 'float' | 'keyPadding';

interface Case {
  batch: number[];
  l: number;
  s: number;
  e: number;
  ev: number;
  mask: Mask;
}

/** Output and q, k, v gradients of sum(sdpa * G) on one backend, read back. */
async function run(backend: string, c: Case): Promise<number[][]> {
  const t = (shape: number[], seed: number, requiresGrad = false) =>
    nn.tensor(values(nn.sizeOf(shape), seed, 'float32', -1.5, 1.5), { shape, backend, requiresGrad });
  const q = t([...c.batch, c.l, c.e], 1, true);
  const k = t([...c.batch, c.s, c.e], 2, true);
  const v = t([...c.batch, c.s, c.ev], 3, true);
  const made: nn.Tensor[] = [];
  let attnMask: nn.Tensor | null = null;
  if (c.mask === 'bool' || c.mask === 'keyPadding') {
    const shape = c.mask === 'bool' ? [c.l, c.s] : [c.batch[0], 1, 1, c.s];
    const m = t(shape, 4);
    made.push(m);
    attnMask = nn.gt(m, -0.9);
  }
  if (c.mask === 'float') attnMask = t([c.l, c.s], 5);
  const y = nn.scaledDotProductAttention(q, k, v, { attnMask, isCausal: c.mask === 'causal' });
  const g = t([...y.shape], 6);
  const weighted = nn.mul(y, g);
  const loss = nn.sum(weighted);
  loss.backward();
  const out = [y, q.grad!, k.grad!, v.grad!];
  const result = await Promise.all(out.map(async (x) => Array.from(await x.data())));
  nn.dispose([q, k, v, y, g, weighted, loss, ...made, ...out.slice(1), ...(attnMask ? [attnMask] : [])]);
  return result;
}

const CASES: Case[] = [
  // vec4 loads (E, Ev multiples of 4), two key tiles and a tail, a row block tail
  { batch: [2, 3], l: 37, s: 41, e: 16, ev: 8, mask: 'none' },
  // scalar loads (odd E, Ev), causal with L > S and L < S
  { batch: [2], l: 29, s: 19, e: 7, ev: 5, mask: 'causal' },
  { batch: [2], l: 11, s: 35, e: 12, ev: 6, mask: 'causal' },
  { batch: [2, 2], l: 18, s: 23, e: 8, ev: 12, mask: 'bool' },
  // a [N, 1, 1, S] mask over [N, H]: batch dims with different strides
  { batch: [3, 2], l: 9, s: 17, e: 4, ev: 4, mask: 'keyPadding' },
  { batch: [2], l: 16, s: 16, e: 32, ev: 32, mask: 'float' },
];

describeGpu('fused attention', () => {
  let tiled: WebGPUBackend;
  beforeAll(async () => {
    installAutograd();
    tiled = await tiledGpu;
    for (const [b, name] of [
      [ref, 'cpu'],
      [gpu, 'webgpu'],
      [Object.create(tiled, { name: { value: 'webgpu-tiled' } }) as nn.Backend, 'webgpu-tiled'],
    ] as const) {
      if (!nn.listBackends().includes(name)) nn.registerBackend(b);
    }
  });

  it('runs the fused kernels (forward and backward), not the composite', async () => {
    const fused = gpu.fused as { -readonly [K in keyof nn.FusedKernels]: nn.FusedKernels[K] };
    const calls: string[] = [];
    const { attention: fwd, attentionBackward: bwd } = fused;
    fused.attention = (a) => {
      calls.push('forward');
      return fwd!(a);
    };
    fused.attentionBackward = (a) => {
      calls.push('backward');
      return bwd!(a);
    };
    try {
      await run('webgpu', CASES[1]);
    } finally {
      fused.attention = fwd;
      fused.attentionBackward = bwd;
    }
    expect(calls).toEqual(['forward', 'backward']);
  });

  for (const c of CASES) {
    it(`[${c.batch}] L=${c.l} S=${c.s} E=${c.e} Ev=${c.ev} ${c.mask}: cpu's values, 4 and 2 rows per invocation`, async () => {
      const want = await run('cpu', c);
      for (const backend of ['webgpu', 'webgpu-tiled']) {
        const got = await run(backend, c);
        ['out', 'dq', 'dk', 'dv'].forEach((what, i) => {
          expectClose(got[i], want[i], 2e-4, 2e-5, `${what} on ${backend}`);
        });
      }
    });
  }

  /** Peak bytes above what was in use before, for one forward pass (and one forward + backward). */
  async function peaks(backend: string, l: number): Promise<{ forward: number; both: number }> {
    const shape = [1, 2, l, 16];
    const t = (seed: number) =>
      nn.tensor(values(2 * l * 16, seed, 'float32', -1, 1), { shape, backend, requiresGrad: true });
    const [q, k, v] = [t(1), t(2), t(3)];
    await gpu.sync();
    const held = gpu.memory().bytesInUse;
    gpu.resetPeakBytes();
    const y = nn.scaledDotProductAttention(q, k, v);
    await gpu.sync();
    const forward = gpu.peakBytesInUse - held;
    const loss = nn.sum(y);
    loss.backward();
    await gpu.sync();
    const both = gpu.peakBytesInUse - held;
    for (const x of [q, k, v]) x.zeroGrad();
    nn.dispose([q, k, v, y, loss]);
    return { forward, both };
  }

  it('memory of forward and backward grows with L, not L x S (peak bytes of the GPU pool)', async () => {
    const { attention: _f, attentionBackward: _b, ...rest } = gpu.fused;
    const composite = Object.create(gpu, { name: { value: 'webgpu-composite' }, fused: { value: rest } });
    if (!nn.listBackends().includes('webgpu-composite')) nn.registerBackend(composite as nn.Backend);
    for (const l of [256, 1024]) {
      const fused = await peaks('webgpu', l);
      const scores = 2 * l * l * 4;
      // out [1, 2, L, 16] and lse [1, 2, L] (the gradients too for both), pool size classes on top.
      const linear = 2 * l * (16 + 1) * 4;
      expect(fused.forward, `forward at L = ${l}`).toBeLessThanOrEqual(2 * linear);
      expect(fused.both, `forward + backward at L = ${l}`).toBeLessThanOrEqual(8 * linear);
      // The composite holds the scores: the same measurement sees them there.
      const comp = await peaks('webgpu-composite', l);
      expect(comp.forward, `composite forward at L = ${l}`).toBeGreaterThanOrEqual(scores);
    }
  });
});
