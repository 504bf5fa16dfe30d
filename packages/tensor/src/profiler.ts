/**
 * A profiler for where the time of a piece of work (a training step, say) goes: backend kernels
 * by name, uploads, host reads, allocation and freeing, waiting for worker threads, autograd's
 * recording and backward bookkeeping, and the frontend's own JavaScript (dispatch, validation,
 * scopes) as what is left of each region.
 *
 * It costs nothing while it is off: `startProfiler` wraps the methods of every registered backend
 * and of the gradient engine and asks them to install their own hooks (`Backend.instrument`),
 * and `stop` puts every original back. Nothing in a kernel or an op checks whether it is profiled.
 */
import type { Backend, Probe } from './backend.js';
import { engine, type GradEngine } from './engine.js';
import { ValueError } from './errors.js';

/** Time (exclusive of nested spans, ms) and number of spans. */
export interface ProfileEntry {
  ms: number;
  calls: number;
}

/** A region's wall time (inclusive, ms), its calls, and its exclusive time by category. */
export interface RegionEntry extends ProfileEntry {
  readonly categories: Record<string, number>;
}

/**
 * What `Profiler.stop()` returns. Category times add up to `ms`: every moment of the profile is in
 * exactly one category.
 *
 * - `kernel`: backend kernels (on WebGPU: encoding and submitting them; the GPU's own time shows
 *   up in `read`, where the host waits for it)
 * - `upload`, `read`: host → backend copies; backend → host reads, and `sync`
 * - `alloc`, `free`: storage allocation inside kernels (instrumented backends) and freeing
 * - `threadSync`: handing jobs to worker threads and waiting for them (instrumented backends)
 * - `autogradRecord`: recording graph nodes; `autogradBackward`: the backward pass's own
 *   bookkeeping (order, gradient accumulation, scopes) outside the gradient rules
 * - `frontend`: the rest of each region and of each gradient rule: op dispatch, validation, views,
 *   tensor objects, memory scopes, module and loss code
 * - `outside`: time between regions (code not wrapped in `region`, awaits)
 */
export interface ProfileReport {
  /** Wall time from `startProfiler()` to `stop()`, ms. */
  readonly ms: number;
  readonly categories: Record<string, ProfileEntry>;
  /** Exclusive time per backend kernel: 'matmul', 'unary:relu', 'binary:add', 'fused:adamStep', ... */
  readonly kernels: Record<string, ProfileEntry>;
  readonly regions: Record<string, RegionEntry>;
  /**
   * Counts: `tensors` (Tensor objects made, views included), `nodes` (graph nodes recorded),
   * `kernelCalls`, and what instrumented backends count (`allocations`, `parallelCalls`, ...).
   */
  readonly counters: Record<string, number>;
  /** Spans timed, and an estimate of the wall time the profiler itself added to `ms`. */
  readonly spans: number;
  readonly overheadMs: number;
}

/** A running profile: wrap the parts of the work in `region`s, then `stop()`. */
export interface Profiler {
  /** Runs `fn` (synchronous) as a named region: its time not spent in a known category is `frontend`. */
  region<T>(name: string, fn: () => T): T;
  /** Adds `n` to a counter of the report. */
  count(name: string, n?: number): void;
  /** Removes every hook and returns what was measured. The profiler cannot be used afterwards. */
  stop(): ProfileReport;
}

/** Backend methods that are kernels (named by their first argument where it is an op name). */
const KERNELS = [
  'fill',
  'random',
  'cast',
  'where',
  'argsort',
  'matmul',
  'concat',
  'gather',
  'scatterAdd',
] as const;
const NAMED_KERNELS = ['unary', 'binary', 'reduce', 'argReduce'] as const;
const OTHER: Readonly<Record<string, string>> = {
  upload: 'upload',
  read: 'read',
  readSync: 'read',
  sync: 'read',
  free: 'free',
};

const now = (): number => performance.now();

/** The span stack: parallel arrays, so a span costs two clock reads and no allocation. */
class Recorder implements Probe {
  readonly categories: Record<string, ProfileEntry> = {};
  readonly kernels: Record<string, ProfileEntry> = {};
  readonly regions: Record<string, RegionEntry> = {};
  readonly counters: Record<string, number> = {};
  spans = 0;
  topLevel = 0;
  readonly #cat: string[] = [];
  readonly #name: (string | null)[] = [];
  readonly #region: (string | null)[] = [];
  readonly #start: number[] = [];
  readonly #child: number[] = [];
  #depth = 0;

  enter(category: string): void {
    this.#push(category, null, this.#depth > 0 ? this.#region[this.#depth - 1] : null);
  }

  /** A kernel span: its category is `kernel`, its time also goes to `kernels[name]`. */
  enterKernel(name: string): void {
    this.#push('kernel', name, this.#depth > 0 ? this.#region[this.#depth - 1] : null);
  }

  enterRegion(name: string): void {
    this.#push('frontend', null, name);
    this.#name[this.#depth - 1] = `region:${name}`;
  }

  #push(category: string, name: string | null, region: string | null): void {
    const d = this.#depth++;
    this.#cat[d] = category;
    this.#name[d] = name;
    this.#region[d] = region;
    this.#child[d] = 0;
    this.#start[d] = now();
  }

  exit(): void {
    const t = now();
    const d = --this.#depth;
    if (d < 0) {
      this.#depth = 0;
      throw new ValueError('profiler: exit() without a matching enter()');
    }
    const total = t - this.#start[d];
    const self = total - this.#child[d];
    this.spans++;
    add(this.categories, this.#cat[d], self);
    const name = this.#name[d];
    const region = this.#region[d];
    if (name?.startsWith('region:')) {
      const r = regionEntry(this.regions, name.slice(7));
      r.ms += total;
      r.calls++;
    } else if (name !== null) add(this.kernels, name, self);
    if (region !== null) {
      const r = regionEntry(this.regions, region);
      r.categories[this.#cat[d]] = (r.categories[this.#cat[d]] ?? 0) + self;
    }
    if (d > 0) this.#child[d - 1] += total;
    else this.topLevel += total;
  }

  count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n;
  }

  get depth(): number {
    return this.#depth;
  }
}

function add(table: Record<string, ProfileEntry>, key: string, ms: number): void {
  let e = table[key];
  if (!e) {
    e = { ms: 0, calls: 0 };
    table[key] = e;
  }
  e.ms += ms;
  e.calls++;
}

function regionEntry(regions: Record<string, RegionEntry>, name: string): RegionEntry {
  let r = regions[name];
  if (!r) {
    r = { ms: 0, calls: 0, categories: {} };
    regions[name] = r;
  }
  return r;
}

/**
 * Wall time one empty span costs (the clock reads dominate), measured once: the best of a few
 * rounds, so a round the scheduler interrupted does not count.
 */
let spanCost: number | undefined;
function measureSpanCost(): number {
  if (spanCost !== undefined) return spanCost;
  const r = new Recorder();
  const n = 200;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    const t0 = now();
    for (let i = 0; i < n; i++) {
      r.enter('x');
      r.exit();
    }
    best = Math.min(best, (now() - t0) / n);
  }
  spanCost = best;
  return spanCost;
}

type Method = (...args: unknown[]) => unknown;
type Restore = () => void;

/** Replaces `obj[key]` by `wrap(original)`; the returned function puts things back as they were. */
function patch(obj: object, key: string, wrap: (f: Method) => Method): Restore | null {
  const o = obj as Record<string, unknown>;
  const f = o[key];
  if (typeof f !== 'function') return null;
  const own = Object.hasOwn(o, key);
  try {
    o[key] = wrap(f as Method);
  } catch {
    return null; // frozen: profiled from the outside only
  }
  return () => {
    if (own) o[key] = f;
    else delete o[key];
  };
}

/**
 * Times methods of an object as spans of `probe` (`{ allocBytes: 'alloc' }`), counting each call
 * in `counters[method]` when given; returns the function that removes the timing again. For
 * backends' `instrument`: the object works exactly as before once removed.
 */
export function timeMethods(
  obj: object,
  spans: Readonly<Record<string, string>>,
  probe: Probe,
  counters: Readonly<Record<string, string>> = {},
): () => void {
  const restores: Restore[] = [];
  for (const [key, category] of Object.entries(spans)) {
    const counter = counters[key];
    const r = patch(
      obj,
      key,
      (f) =>
        function (this: unknown, ...args: unknown[]) {
          if (counter) probe.count(counter);
          probe.enter(category);
          try {
            return f.apply(this, args);
          } finally {
            probe.exit();
          }
        },
    );
    if (r) restores.push(r);
  }
  return () => {
    for (const r of restores.reverse()) r();
  };
}

function instrumentBackend(b: Backend, rec: Recorder, restores: Restore[]): void {
  const span =
    (enter: (args: unknown[]) => void) =>
    (f: Method): Method =>
      function (this: unknown, ...args: unknown[]) {
        enter(args);
        try {
          return f.apply(this, args);
        } finally {
          rec.exit();
        }
      };
  const push = (r: Restore | null): void => {
    if (r) restores.push(r);
  };
  for (const k of KERNELS)
    push(
      patch(
        b,
        k,
        span(() => rec.enterKernel(k)),
      ),
    );
  for (const k of NAMED_KERNELS)
    push(
      patch(
        b,
        k,
        span((a) => rec.enterKernel(`${k}:${String(a[0])}`)),
      ),
    );
  for (const [k, cat] of Object.entries(OTHER))
    push(
      patch(
        b,
        k,
        span(() => rec.enter(cat)),
      ),
    );
  const fused = b.fused;
  if (fused) {
    for (const k of Object.keys(fused))
      push(
        patch(
          fused,
          k,
          span(() => rec.enterKernel(`fused:${k}`)),
        ),
      );
  }
  if (b.instrument) {
    b.instrument(rec);
    restores.push(() => b.instrument?.(null));
  }
}

function instrumentGradEngine(rec: Recorder, restores: Restore[]): void {
  const ge = engine.gradEngine;
  if (!ge) return;
  const wrapped: GradEngine = {
    record(op, inputs, outputs, attrs) {
      rec.enter('autogradRecord');
      try {
        ge.record(op, inputs, outputs, attrs);
      } finally {
        rec.exit();
      }
      rec.count('nodes');
    },
    backward(root, gradient, options) {
      rec.enter('autogradBackward');
      try {
        ge.backward(root, gradient, options);
      } finally {
        rec.exit();
      }
    },
    alias: (source, view) => ge.alias(source, view),
  };
  engine.gradEngine = wrapped;
  ge.instrument?.(rec);
  restores.push(() => {
    ge.instrument?.(null);
    if (engine.gradEngine === wrapped) engine.gradEngine = ge;
  });
}

let active = false;

/**
 * Starts profiling every registered backend and the gradient engine. One profiler runs at a time;
 * backends registered after this call are not profiled.
 *
 * ```ts
 * const prof = startProfiler();
 * for (const batch of batches) prof.region('step', () => tidy(() => trainStep(batch)));
 * const report = prof.stop();
 * report.categories.kernel.ms; // time in backend kernels
 * ```
 */
export function startProfiler(): Profiler {
  if (active) throw new ValueError('startProfiler: a profiler is already running; stop() it first');
  const cost = measureSpanCost();
  const rec = new Recorder();
  const restores: Restore[] = [];
  active = true;
  try {
    for (const b of engine.backends.values()) instrumentBackend(b, rec, restores);
    instrumentGradEngine(rec, restores);
  } catch (e) {
    for (const r of restores.reverse()) r();
    active = false;
    throw e;
  }
  const firstId = engine.nextId;
  const t0 = now();
  let stopped = false;
  const live = (what: string): void => {
    if (stopped) throw new ValueError(`profiler: ${what} after stop()`);
  };
  return {
    region<T>(name: string, fn: () => T): T {
      live('region');
      rec.enterRegion(name);
      try {
        return fn();
      } finally {
        rec.exit();
      }
    },
    count(name: string, n = 1): void {
      live('count');
      rec.count(name, n);
    },
    stop(): ProfileReport {
      live('stop');
      const ms = now() - t0;
      stopped = true;
      for (const r of restores.reverse()) r();
      active = false;
      const categories = rec.categories;
      categories.outside = { ms: Math.max(0, ms - rec.topLevel), calls: 0 };
      let kernelCalls = 0;
      for (const k of Object.values(rec.kernels)) kernelCalls += k.calls;
      return {
        ms,
        categories,
        kernels: rec.kernels,
        regions: rec.regions,
        counters: { ...rec.counters, tensors: engine.nextId - firstId, kernelCalls },
        spans: rec.spans,
        overheadMs: rec.spans * cost,
      };
    },
  };
}
