import { installAutograd } from '@nn/autograd';
import * as nn from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend } from '../src/index.js';
import { agree, backends, randValues, runOn, wasmWith } from './helpers.js';

let mt: WasmBackend;
let mtRelaxed: WasmBackend;

beforeAll(async () => {
  await backends();
  mt = await wasmWith(false, { threads: 2, name: 'wasm-mt' });
  mtRelaxed = await wasmWith(true, { threads: 2, name: 'wasm-mt-relaxed' });
  nn.registerBackend(mt);
  nn.registerBackend(mtRelaxed);
  installAutograd();
});

afterAll(() => {
  mt.dispose();
  mtRelaxed.dispose();
});

/** [one thread, two threads] backend names of each kernel build. */
const PAIRS = [
  ['wasm', 'wasm-mt'],
  ['wasm-relaxed', 'wasm-mt-relaxed'],
] as const;

/** A contiguous float32 [rows, cols] view of backend storage, for calling kernels directly. */
function matrix(storage: unknown, rows: number, cols: number) {
  return { storage, dtype: 'float32' as const, shape: [rows, cols], strides: [cols, 1], offset: 0 };
}

describe('threads', () => {
  it('runs on shared memory with the requested threads in Node', () => {
    expect(mt.sharedMemory).toBe(true);
    expect(mt.threads).toBe(2);
  });
  // [m, k, n, B transposed]: row splits (B packed once and shared) with a column edge, beyond one
  // 1024-column block and one 256-deep k block, and column splits.
  const cases: [number, number, number, boolean][] = [
    [64, 784, 128, true],
    [257, 300, 129, true],
    [8, 512, 1000, true],
    [130, 64, 3, true],
    [1040, 270, 1037, false],
    [300, 520, 99, false],
  ];
  for (const [[single, multi], [m, k, n, bT]] of PAIRS.flatMap((p) => cases.map((c) => [p, c] as const))) {
    it(`${m}x${k} @ ${k}x${n}${bT ? ' (B transposed)' : ''} agrees with cpu and with one thread (${single})`, () => {
      const f = () => {
        const a = nn.tensor(randValues(m * k, m), { shape: [m, k] });
        const b = bT
          ? nn.t(nn.tensor(randValues(k * n, n), { shape: [n, k] }))
          : nn.tensor(randValues(k * n, n), { shape: [k, n] });
        return nn.matmul(a, b);
      };
      agree(f, 1e-4, 1e-4, multi);
      const one = runOn(single, f);
      const two = runOn(multi, f);
      // Each output element is computed by one thread in the same order, so results are identical.
      expect(two[0].values).toEqual(one[0].values);
    });
  }
  // Stride [1, 2] runs im2col + GEMM, stride 1 the direct kernels.
  it.each(PAIRS.flatMap(([single, multi]) => [1, 2].map((sw) => [single, multi, sw] as const)))(
    'conv2d forward and gradients, and max pooling, split across threads agree with cpu and one thread (%s, %s, stride [1, %i])',
    (single, multi, sw) => {
      const f = () => {
        const x = nn.tensor(randValues(6 * 3 * 30 * 29, 1), { shape: [6, 3, 30, 29] }).requiresGrad_();
        const w = nn.tensor(randValues(8 * 3 * 3 * 3, 2), { shape: [8, 3, 3, 3] }).requiresGrad_();
        const y = nn.conv2d(x, w, null, { padding: 1, stride: [1, sw] });
        const p = nn.maxPool2d(nn.relu(y), { kernelSize: 2 });
        nn.sum(nn.mul(p, nn.tensor(randValues(p.size, 3), { shape: p.shape }))).backward();
        return [y, p, x.grad!, w.grad!];
      };
      agree(f, 1e-4, 1e-4, multi);
      const one = runOn(single, f);
      const two = runOn(multi, f);
      for (let i = 0; i < one.length; i++) expect(two[i].values).toEqual(one[i].values);
    },
  );
  it('hundreds of back-to-back parallel calls with more threads than cores give the one-thread results', async () => {
    mt.setThreads(4);
    await new Promise((r) => setTimeout(r, 300));
    const sizes = [64, 96, 130, 200];
    for (let i = 0; i < 60; i++) {
      const m = sizes[i % 4];
      const f = () =>
        nn.matmul(
          nn.tensor(randValues(m * 300, i), { shape: [m, 300] }),
          nn.tensor(randValues(300 * 150, i + 1), { shape: [300, 150] }),
        );
      expect(runOn('wasm-mt', f)[0].values).toEqual(runOn('wasm', f)[0].values);
    }
    mt.setThreads(2);
  });
  it('200,000 back-to-back split GEMMs neither hang nor run a job twice', () => {
    // 128x64 @ 64x32 on 2 threads: a round of 4 packing jobs, then a round of 8 GEMM jobs. A
    // worker finishing the last packing job used to read the next round's job count with the
    // old round's ticket, claim a job twice and leave the caller waiting for ever (~1 in 10^5).
    mt.setThreads(2);
    const [m, k, n] = [128, 64, 32];
    const sa = mt.upload(new Float32Array(m * k).fill(1), 'float32');
    const sb = mt.upload(new Float32Array(k * n).fill(0.5), 'float32');
    let wrong = 0;
    for (let i = 0; i < 200_000; i++) {
      const c = mt.matmul(matrix(sa, m, k), matrix(sb, k, n));
      if (i % 1000 === 0 && mt.readSync!(c, 'float32', m * n).some((v) => v !== k / 2)) wrong++;
      mt.free(c);
    }
    mt.free(sa);
    mt.free(sb);
    expect(wrong).toBe(0);
  }, 60_000);
  it('a kernel that traps on any thread raises an error instead of hanging, and the pool keeps working', () => {
    const n = 256;
    const good = mt.upload(new Float32Array(n * n).fill(1), 'float32');
    // A storage handle past the end of wasm memory: every row block of A reads out of bounds.
    const bad = { ptr: 2 ** 31 - 4096, bytes: n * n * 4, freed: false };
    expect(() => mt.matmul(matrix(bad, n, n), matrix(good, n, n))).toThrow(/worker thread|out of bounds/);
    const c = mt.matmul(matrix(good, n, n), matrix(good, n, n));
    expect(Array.from(mt.readSync!(c, 'float32', 4))).toEqual([n, n, n, n]);
    mt.free(c);
    mt.free(good);
  });
  it('setThreads(1) keeps working and gives the same result', () => {
    const f = () =>
      nn.matmul(
        nn.tensor(randValues(200 * 300, 1), { shape: [200, 300] }),
        nn.tensor(randValues(300 * 100, 2), { shape: [300, 100] }),
      );
    const before = runOn('wasm-mt', f);
    mt.setThreads(1);
    expect(mt.threads).toBe(1);
    const after = runOn('wasm-mt', f);
    expect(after[0].values).toEqual(before[0].values);
    mt.setThreads(2);
  });
});
