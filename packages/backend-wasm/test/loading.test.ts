import * as nn from '@nn/tensor';
import { BackendError } from '@nn/tensor';
import { describe, expect, it, vi } from 'vitest';
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
      const first = nn.arange(0, 50000, 1, { dtype: 'float32' });
      const y = nn.matmul(nn.ones([70, 300]), nn.ones([300, 50]));
      expect(Array.from(y.dataSync()).every((v) => v === 300)).toBe(true);
      // Convolution and pooling take the job path (run on this thread) with the thread's scratch.
      const c = nn.conv2d(nn.ones([3, 2, 6, 6]), nn.ones([4, 2, 3, 3]), null, { padding: 1 });
      expect(Array.from(c.dataSync()).slice(0, 7)).toEqual([8, 12, 12, 12, 12, 8, 12]);
      const p = nn.maxPool2d(nn.reshape(nn.arange(0, 64, 1, { dtype: 'float32' }), [1, 1, 8, 8]), {
        kernelSize: 2,
      });
      expect(Array.from(p.dataSync()).slice(0, 4)).toEqual([9, 11, 13, 15]);
      // The kernels wrote only where they should: the first tensor on the heap is intact.
      const values = first.dataSync();
      expect(values.every((v, i) => v === i)).toBe(true);
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

  it('names a missing .wasm and what wasmUrl must serve in its error', async () => {
    const missing = wasm({ wasmUrl: new URL('../build/missing.wasm', import.meta.url) });
    await expect(missing).rejects.toThrow(BackendError);
    await expect(missing).rejects.toThrow(
      /missing\.wasm .*node_modules\/@nn\/backend-wasm\/build\/.*leave wasmUrl out/,
    );
  });

  it('says what a wasmUrl string that is not a URL needs', async () => {
    await expect(wasm({ wasmUrl: 'kernels.wasm' })).rejects.toThrow(
      "wasm: wasmUrl 'kernels.wasm' is not a URL (a relative one needs a page to resolve against)",
    );
  });

  it('loads the kernels built into the package by default', async () => {
    const b = await wasm({ threads: 1, name: 'wasm-embedded' });
    const s = b.upload(Float32Array.from([4, 5]), 'float32');
    expect(Array.from(await b.read(s, 'float32', 2))).toEqual([4, 5]);
    b.free(s);
    b.dispose();
  });

  it('shuts down with dispose(); terminate() is its deprecated alias and warns once', async () => {
    const b = await wasm({ threads: 2, name: 'wasm-dispose' });
    expect(b.name).toBe('wasm-dispose');
    b.dispose();
    expect(b.threads).toBe(1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const old = await wasm({ threads: 2, name: 'wasm-terminate' });
      old.terminate();
      old.terminate();
      expect(old.threads).toBe(1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/WasmBackend\.terminate\(\) is deprecated.*use dispose\(\)/);
    } finally {
      warn.mockRestore();
    }
  });
});
