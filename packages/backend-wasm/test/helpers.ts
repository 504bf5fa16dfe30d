// Differential testing: the same op on the same values (and the same view layout) on cpu and on
// wasm; results must agree within float32 tolerance.
import { cpu } from '@nn/backend-cpu';
import * as nn from '@nn/tensor';
import { expect } from 'vitest';
import { type WasmBackend, wasm } from '../src/index.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randValues(n: number, seed: number, lo = -3, hi = 3): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** The two kernel builds the tests cover, by the backend name they register under. */
export const KERNELS = { wasm: false, 'wasm-relaxed': true } as const;

/**
 * A wasm backend on the given kernels; relaxed ones must really load (Node 20 gets V8's flag
 * switched on by `relaxedSimd: true`; later engines have the feature), or the test fails.
 */
export async function wasmWith(
  relaxed: boolean,
  options: { threads: number; name: string },
): Promise<WasmBackend> {
  const b = await wasm({ ...options, relaxedSimd: relaxed });
  expect(b.relaxedSimd).toBe(relaxed);
  return b;
}

let cached: Promise<{ cpu: nn.Backend; wasm: WasmBackend; relaxed: WasmBackend }> | null = null;

/**
 * Registers cpu, the baseline kernels under 'wasm' and the relaxed-SIMD kernels under
 * 'wasm-relaxed' (one thread each), once per test file. Both are pinned: with 'auto' the choice
 * would depend on the engine and on whether an earlier test had switched Node 20's flag on.
 */
export function backends(): Promise<{ cpu: nn.Backend; wasm: WasmBackend; relaxed: WasmBackend }> {
  cached ??= (async () => {
    const c = cpu();
    const w = await wasmWith(false, { threads: 1, name: 'wasm' });
    const r = await wasmWith(true, { threads: 1, name: 'wasm-relaxed' });
    nn.registerBackend(c);
    nn.registerBackend(w);
    nn.registerBackend(r);
    return { cpu: c, wasm: w, relaxed: r };
  })();
  return cached;
}

/** Runs `fn` on `backend` with inputs made there from host values; returns the result values. */
export function runOn(
  backend: string,
  fn: () => nn.Tensor | nn.Tensor[],
): { shape: number[]; values: number[] }[] {
  nn.setBackend(backend);
  return nn.tidy(() => {
    const r = fn();
    const list = Array.isArray(r) ? r : [r];
    return list.map((t) => {
      expect(t.backendName).toBe(backend);
      return { shape: [...t.shape], values: Array.from(t.dataSync() as ArrayLike<number>) };
    });
  });
}

export function expectClose(actual: number[], expected: number[], rtol = 1e-5, atol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(a, `index ${i}`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(a, `index ${i}`).toBe(e);
      continue;
    }
    // Written as "not within" so that a NaN result, whose every comparison is false, fails too.
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      expect(a, `index ${i} of ${actual.length}`).toBeCloseTo(e, 5);
  }
}

/** The op on cpu and on wasm (and another wasm-named backend, if given) agree. */
export function agree(fn: () => nn.Tensor | nn.Tensor[], rtol = 1e-5, atol = 1e-5, other = 'wasm'): void {
  const want = runOn('cpu', fn);
  const got = runOn(other, fn);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(got[i].shape).toEqual(want[i].shape);
    expectClose(got[i].values, want[i].values, rtol, atol);
  }
}

/** Views of one base tensor in several layouts: contiguous, transposed, strided slice, broadcast. */
export function layouts(values: number[], shape: [number, number]): Record<string, () => nn.Tensor> {
  const [r, c] = shape;
  return {
    contiguous: () => nn.tensor(values.slice(0, r * c), { shape }),
    transposed: () => nn.transpose(nn.tensor(values.slice(0, r * c), { shape: [c, r] }), 0, 1),
    sliced: () => nn.index(nn.tensor(values.slice(0, r * 2 * c), { shape: [r * 2, c] }), ['::2', ':']),
    broadcast: () => nn.expand(nn.tensor(values.slice(0, c), { shape: [1, c] }), [r, c]),
  };
}
