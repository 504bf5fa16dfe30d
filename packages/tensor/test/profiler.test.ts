import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, Probe } from '../src/backend.js';
import { getGradEngine } from '../src/engine.js';
import { ValueError } from '../src/errors.js';
import { randn, tensor, tidy, use, zeros } from '../src/index.js';
import { type Profiler, startProfiler } from '../src/profiler.js';

/** Every function-valued property of the backend and of its fused kernels, by name. */
function methods(b: Backend): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(b)) if (typeof v === 'function') out.set(k, v);
  for (const [k, v] of Object.entries(b.fused ?? {})) out.set(`fused.${k}`, v);
  return out;
}

let running: Profiler | null = null;
afterEach(() => {
  try {
    running?.stop();
  } catch {
    // already stopped by the test
  }
  running = null;
});

describe('startProfiler', () => {
  it('times kernels by name, regions, graph nodes and tensors; the categories add up to the wall time', async () => {
    const backend = use(cpu());
    installAutograd();
    const w = randn([8, 4], { requiresGrad: true });
    const x = randn([16, 8]);
    const prof = startProfiler();
    running = prof;
    prof.region('step', () =>
      tidy(() => {
        const y = prof.region('forward', () => x.matmul(w).relu().sum());
        prof.region('backward', () => y.backward());
        return null;
      }),
    );
    const v = await tensor([1, 2]).data();
    prof.count('mine', 3);
    const r = prof.stop();
    running = null;
    expect(Array.from(v)).toEqual([1, 2]);
    expect(r.kernels.matmul.calls).toBeGreaterThanOrEqual(2); // forward and the weight gradient
    expect(r.kernels['unary:relu'].calls).toBe(1);
    expect(r.kernels['reduce:sum'].calls).toBe(1);
    expect(r.categories.upload.calls).toBe(1);
    expect(r.categories.read.calls).toBe(1);
    expect(r.categories.autogradBackward.calls).toBe(1);
    // matmul, relu, sum (and any view the matmul records)
    expect(r.counters.nodes).toBeGreaterThanOrEqual(3);
    expect(r.counters.nodes).toBe(r.categories.autogradRecord.calls);
    expect(r.counters.mine).toBe(3);
    expect(r.counters.tensors).toBeGreaterThan(3);
    expect(r.counters.kernelCalls).toBe(Object.values(r.kernels).reduce((s, k) => s + k.calls, 0));
    expect(Object.keys(r.regions).sort()).toEqual(['backward', 'forward', 'step']);
    expect(r.regions.step.calls).toBe(1);
    expect(r.regions.step.ms).toBeGreaterThanOrEqual(r.regions.forward.ms + r.regions.backward.ms);
    expect(r.regions.forward.categories.kernel).toBeGreaterThan(0);
    const total = Object.values(r.categories).reduce((s, c) => s + c.ms, 0);
    expect(total).toBeCloseTo(r.ms, 6);
    const kernelTotal = Object.values(r.kernels).reduce((s, k) => s + k.ms, 0);
    expect(kernelTotal).toBeCloseTo(r.categories.kernel.ms, 6);
    expect(r.spans).toBeGreaterThan(5);
    expect(r.overheadMs).toBeGreaterThan(0);
    expect(backend.name).toBe('cpu');
  });

  it('leaves every backend method and the gradient engine as they were', () => {
    const backend = use(cpu({ name: 'cpu-profiled' }));
    installAutograd();
    const before = methods(backend);
    const ge = getGradEngine();
    const prof = startProfiler();
    running = prof;
    expect(methods(backend).get('matmul')).not.toBe(before.get('matmul'));
    expect(getGradEngine()).not.toBe(ge);
    prof.stop();
    running = null;
    expect(methods(backend)).toEqual(before);
    for (const [k, f] of before) expect(methods(backend).get(k)).toBe(f);
    expect(getGradEngine()).toBe(ge);
    expect(Object.keys(backend)).toEqual(Object.keys(cpu()));
  });

  it("hands instrumented backends a probe and takes it back; their spans count in the backend's categories", () => {
    const seen: (Probe | null)[] = [];
    const base = cpu();
    const fill = base.fill;
    let probe: Probe | null = null;
    const backend: Backend = {
      ...base,
      name: 'instrumented',
      fill(size, dtype, value) {
        probe?.count('allocations');
        probe?.enter('alloc');
        probe?.exit();
        return fill(size, dtype, value);
      },
      instrument(p) {
        seen.push(p);
        probe = p;
      },
    };
    use(backend);
    const prof = startProfiler();
    running = prof;
    prof.region('r', () => tidy(() => zeros([3]).add(1)));
    const r = prof.stop();
    running = null;
    expect(seen.length).toBe(2);
    expect(seen[0]).not.toBeNull();
    expect(seen[1]).toBeNull();
    expect(r.categories.alloc.calls).toBe(r.counters.allocations);
    expect(r.categories.alloc.calls).toBeGreaterThan(0);
  });

  it('refuses a second profiler, and use after stop', () => {
    use(cpu());
    const prof = startProfiler();
    running = prof;
    expect(() => startProfiler()).toThrow(ValueError);
    expect(() => startProfiler()).toThrow('startProfiler: a profiler is already running; stop() it first');
    prof.stop();
    running = null;
    expect(() => prof.region('x', () => 1)).toThrow('profiler: region after stop()');
    expect(() => prof.stop()).toThrow('profiler: stop after stop()');
    const again = startProfiler();
    again.stop();
  });

  it('ends a region whose function throws, and passes the error on', () => {
    use(cpu());
    const prof = startProfiler();
    running = prof;
    expect(() =>
      prof.region('bad', () => {
        throw new ValueError('boom');
      }),
    ).toThrow('boom');
    prof.region('good', () => tidy(() => tensor([1]).neg()));
    const r = prof.stop();
    running = null;
    expect(r.regions.bad.calls).toBe(1);
    expect(r.regions.good.calls).toBe(1);
    expect(r.kernels['unary:neg'].calls).toBe(1);
  });
});
