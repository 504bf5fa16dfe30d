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

  it('loads from a user-given URL', async () => {
    const url = new URL('../../build/kernels.wasm', import.meta.url);
    const b = await wasm({ wasmUrl: url, name: 'wasm-browser-url' });
    expect(b.sharedMemory).toBe(false);
    const s = b.upload(Float32Array.from([5, 6]), 'float32');
    expect(Array.from(await b.read(s, 'float32', 2))).toEqual([5, 6]);
  });
});
