import * as nn from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { wasm } from '../src/index.js';

describe('loading', () => {
  it('runs on one thread without an error where SharedArrayBuffer is missing', async () => {
    const saved = globalThis.SharedArrayBuffer;
    // Simulates a browser page that is not cross-origin isolated.
    (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
    try {
      const b = await wasm({ threads: 4, name: 'wasm-nosab' });
      expect(b.sharedMemory).toBe(false);
      expect(b.threads).toBe(1);
      b.setThreads(3);
      expect(b.threads).toBe(1);
      nn.registerBackend(b);
      nn.setBackend('wasm-nosab');
      const y = nn.matmul(nn.ones([70, 300]), nn.ones([300, 50]));
      expect(Array.from(y.dataSync()).every((v) => v === 300)).toBe(true);
    } finally {
      globalThis.SharedArrayBuffer = saved;
    }
  });

  it('accepts a user-given single-threaded build and stays on one thread', async () => {
    const b = await wasm({ wasmUrl: new URL('../build/kernels.wasm', import.meta.url), name: 'wasm-url' });
    expect(b.sharedMemory).toBe(false);
    expect(b.threads).toBe(1);
    const s = b.upload(Float32Array.from([1, 2, 3]), 'float32');
    expect(Array.from(await b.read(s, 'float32', 3))).toEqual([1, 2, 3]);
    b.free(s);
  });

  it('names a missing .wasm in its error', async () => {
    await expect(wasm({ wasmUrl: new URL('../build/missing.wasm', import.meta.url) })).rejects.toThrow(
      /missing\.wasm.*pnpm build/,
    );
  });
});
