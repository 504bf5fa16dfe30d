import * as nn from '@nn/tensor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type WasmBackend, wasm } from '../src/index.js';

let mt: WasmBackend;

beforeAll(async () => {
  mt = await wasm({ threads: 2, name: 'wasm-profiled' });
  nn.registerBackend(mt);
});

afterAll(() => mt.dispose());

it('the profiler sees allocation, freeing and the hand-off to worker threads, and stops seeing them after stop()', async () => {
  nn.setBackend('wasm-profiled');
  const a = nn.randn([256, 256]);
  const b = nn.randn([256, 256]);
  const prof = nn.startProfiler();
  prof.region('work', () => nn.tidy(() => nn.matmul(a, b).relu()));
  const r = prof.stop();
  const snapshot = JSON.stringify(r);
  expect(r.counters.parallelCalls).toBeGreaterThanOrEqual(1);
  // Publishing and waiting are one span each per parallel call.
  expect(r.categories.threadSync.calls).toBe(2 * r.counters.parallelCalls);
  expect(r.counters.allocations).toBe(r.categories.alloc.calls);
  expect(r.counters.allocations).toBeGreaterThanOrEqual(2); // the product, the relu, scratch
  expect(r.categories.free.calls).toBeGreaterThanOrEqual(1);
  expect(r.kernels.matmul.calls).toBe(1);
  expect(r.regions.work.categories.threadSync).toBeGreaterThan(0);
  // The hooks are gone: more work leaves the report as it was, and the results are right.
  const c = nn.tidy(() => nn.matmul(a, b).relu());
  const d = nn.tidy(() => nn.matmul(a, b).relu());
  expect(JSON.stringify(r)).toBe(snapshot);
  expect(await c.data()).toEqual(await d.data());
  for (const t of [a, b, c, d]) t.dispose();
});
