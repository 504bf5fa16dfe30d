import { gradgradcheck, installAutograd } from '@nn/autograd';
import * as nn from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend } from '../src/index.js';
import { agree, backends, randValues, runOn, wasmWith } from './helpers.js';

let mt: WasmBackend;
let single: WasmBackend;

beforeAll(async () => {
  ({ wasm: single } = await backends());
  mt = await wasmWith(false, { threads: 2, name: 'wasm-mt' });
  nn.registerBackend(mt);
  installAutograd();
});

afterAll(() => mt.dispose());

type Mask = 'none' | 'causal' | 'bool' | 'float' | 'keyPadding';

/** Forward and the three gradients of sum(sdpa * G), with inputs made on the current backend. */
function attention(batch: number[], l: number, s: number, e: number, ev: number, mask: Mask) {
  return () => {
    const t = (shape: number[], seed: number) =>
      nn.tensor(randValues(nn.sizeOf(shape), seed, -1.5, 1.5), { shape });
    const q = t([...batch, l, e], 1).requiresGrad_();
    const k = t([...batch, s, e], 2).requiresGrad_();
    const v = t([...batch, s, ev], 3).requiresGrad_();
    let attnMask: nn.Tensor | null = null;
    if (mask === 'bool') attnMask = nn.gt(t([l, s], 4), -0.8);
    if (mask === 'keyPadding') attnMask = nn.gt(t([batch[0], 1, 1, s], 5), -0.5);
    if (mask === 'float') attnMask = t([l, s], 6);
    const y = nn.scaledDotProductAttention(q, k, v, { attnMask, isCausal: mask === 'causal' });
    nn.sum(nn.mul(y, t(y.shape as number[], 7))).backward();
    return [y, q.grad!, k.grad!, v.grad!];
  };
}

describe('fused attention', () => {
  it('runs the fused kernels (forward and backward), not the composite', () => {
    const fused = single.fused!;
    const calls: string[] = [];
    const { attention: fwd, attentionBackward: bwd } = fused;
    const spied = fused as { -readonly [K in keyof nn.FusedKernels]: nn.FusedKernels[K] };
    spied.attention = (a) => {
      calls.push('forward');
      return fwd!(a);
    };
    spied.attentionBackward = (a) => {
      calls.push('backward');
      return bwd!(a);
    };
    try {
      runOn('wasm', attention([2], 5, 7, 4, 3, 'causal'));
    } finally {
      spied.attention = fwd;
      spied.attentionBackward = bwd;
    }
    expect(calls).toEqual(['forward', 'backward']);
  });

  // Row blocks of 64 (L past one and two blocks), odd E and Ev (SIMD tails), causal blocks that
  // see fewer keys than S, and masks broadcast over batch dims the kernel cannot merge.
  const cases: [number[], number, number, number, number, Mask][] = [
    [[2, 3], 130, 97, 20, 12, 'none'],
    [[3], 150, 150, 13, 7, 'causal'],
    [[2], 70, 200, 16, 16, 'causal'],
    [[2, 2], 65, 33, 8, 5, 'bool'],
    [[3, 2], 40, 90, 8, 8, 'keyPadding'],
    [[2], 64, 64, 32, 32, 'float'],
  ];
  for (const [batch, l, s, e, ev, mask] of cases) {
    it(`[${batch}] L=${l} S=${s} E=${e} Ev=${ev} ${mask}: cpu's values, and one thread's exactly on two`, () => {
      const f = attention(batch, l, s, e, ev, mask);
      agree(f, 2e-4, 2e-5);
      agree(f, 2e-4, 2e-5, 'wasm-mt');
      const one = runOn('wasm', f);
      const two = runOn('wasm-mt', f);
      // Each batch is computed by one thread in one order, so results do not depend on threads.
      for (let i = 0; i < one.length; i++) expect(two[i].values).toEqual(one[i].values);
    });
  }

  it('a fully masked row gives zeros, not NaN, forward and backward', () => {
    const f = () => {
      const q = nn.tensor(randValues(2 * 6 * 4, 1), { shape: [2, 6, 4] }).requiresGrad_();
      const k = nn.tensor(randValues(2 * 5 * 4, 2), { shape: [2, 5, 4] }).requiresGrad_();
      const v = nn.tensor(randValues(2 * 5 * 3, 3), { shape: [2, 5, 3] }).requiresGrad_();
      const keep = Uint8Array.from({ length: 6 * 5 }, (_, i) => (Math.floor(i / 5) === 2 ? 0 : 1));
      const mask = nn.tensor(keep, { shape: [6, 5], dtype: 'bool' });
      const y = nn.scaledDotProductAttention(q, k, v, { attnMask: mask });
      nn.sum(y).backward();
      return [y, q.grad!];
    };
    const [y, dq] = runOn('wasm', f);
    expect(y.values.every(Number.isFinite)).toBe(true);
    expect(y.values.slice(2 * 3, 3 * 3)).toEqual([0, 0, 0]);
    expect(dq.values.slice(2 * 4, 3 * 4)).toEqual([0, 0, 0, 0]);
    agree(f, 2e-4, 2e-5);
  });
});

describe('second derivatives through the fused attention (float64 on wasm)', () => {
  // Under createGraph the backward runs the composite with weights rebuilt from q and k, so the
  // gradients of the fused op are differentiable again.
  it.each(['none', 'causal', 'bool', 'float'] as const)('gradgradcheck, %s mask', async (mask) => {
    nn.setBackend('wasm');
    const t = (shape: number[], seed: number) =>
      nn.tensor(randValues(nn.sizeOf(shape), seed, -1, 1), { shape, dtype: 'float64' });
    let attnMask: nn.Tensor | null = null;
    if (mask === 'bool') attnMask = nn.gt(t([3, 4], 4), -0.6);
    if (mask === 'float') attnMask = t([3, 4], 6);
    const fn = (q: nn.Tensor, k: nn.Tensor, v: nn.Tensor) =>
      nn.scaledDotProductAttention(q, k, v, { attnMask, isCausal: mask === 'causal' });
    const inputs = [t([2, 3, 2], 1), t([2, 4, 2], 2), t([2, 4, 3], 3)];
    const probe = fn(...(inputs.map((x) => x.detach().requiresGrad_()) as [nn.Tensor, nn.Tensor, nn.Tensor]));
    expect(probe.gradFn?.name).toMatch(/^scaledDotProductAttention/);
    const r = await gradgradcheck(fn, inputs);
    expect(r.message).toMatch(/^gradgradcheck passed in float64/);
  });
});
