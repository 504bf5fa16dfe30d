import * as nn from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { wasm } from '../../src/index.js';

describe('wasm backend in Chromium', () => {
  it('loads the kernels built into the package and runs matmul, softmax and conv', async () => {
    const b = await wasm({ threads: 1, name: 'wasm-browser-1' });
    nn.registerBackend(b);
    nn.setBackend('wasm-browser-1');
    const a = nn.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(nn.matmul(a, a).dataSync())).toEqual([7, 10, 15, 22]);
    expect(
      Array.from(nn.softmax(a, 1).sum({ dim: 1 }).dataSync()).map((v) => Math.round(v * 1e6) / 1e6),
    ).toEqual([1, 1]);
    const y = nn.conv2d(nn.ones([1, 1, 4, 4]), nn.ones([1, 1, 3, 3]), null, { padding: 1 });
    expect(Array.from(y.dataSync())).toEqual([4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
  });

  it('runs GEMM on worker threads when the page is cross-origin isolated', async () => {
    expect((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated).toBe(true);
    const b = await wasm({ threads: 2, name: 'wasm-browser-2' });
    expect(b.sharedMemory).toBe(true);
    expect(b.threads).toBe(2);
    nn.registerBackend(b);
    nn.setBackend('wasm-browser-2');
    const x = nn.reshape(nn.arange(0, 300 * 200), [300, 200]);
    const w = nn.ones([200, 100]);
    const y = nn.matmul(nn.div(x, 1e4), w).dataSync();
    // Row i sums (i*200 + j) / 1e4 over j = 0..199.
    for (const i of [0, 1, 150, 299])
      expect(y[i * 100 + 7]).toBeCloseTo((i * 200 * 200 + (199 * 200) / 2) / 1e4, 2);
    b.dispose();
  });

  it('loads the relaxed-SIMD kernels by default (Chromium has had the feature since 114), and they agree with the baseline ones', async () => {
    const relaxed = await wasm({ threads: 2, name: 'wasm-browser-relaxed' });
    const baseline = await wasm({ threads: 2, relaxedSimd: false, name: 'wasm-browser-baseline' });
    expect(relaxed.relaxedSimd).toBe(true);
    expect(baseline.relaxedSimd).toBe(false);
    // Odd sizes (edge tiles, an odd k across the 256-deep k block), B transposed: the layouts the
    // packing special-cases, under this engine's compiler (Turboshaft, not Node 20's TurboFan).
    const [m, k, n] = [67, 301, 45];
    const run = (backend: string): Float32Array => {
      nn.setBackend(backend);
      const y = nn.tidy(() => {
        const a = nn.sin(nn.reshape(nn.arange(0, m * k), [m, k]));
        const b = nn.t(nn.cos(nn.reshape(nn.arange(0, n * k), [n, k])));
        return nn.matmul(a, b);
      });
      const values = y.dataSync() as Float32Array;
      y.dispose();
      return values;
    };
    nn.registerBackend(relaxed);
    nn.registerBackend(baseline);
    const r = run('wasm-browser-relaxed');
    const p = run('wasm-browser-baseline');
    for (let i = 0; i < m * n; i++) expect(Math.abs(r[i] - p[i])).toBeLessThan(1e-3);
    relaxed.dispose();
    baseline.dispose();
  });

  it('loads from a user-given URL', async () => {
    const url = new URL('../../build/kernels.wasm', import.meta.url);
    const b = await wasm({ wasmUrl: url, name: 'wasm-browser-url' });
    expect(b.sharedMemory).toBe(false);
    const s = b.upload(Float32Array.from([5, 6]), 'float32');
    expect(Array.from(await b.read(s, 'float32', 2))).toEqual([5, 6]);
  });
});
