import type { Backend, Probe, Storage } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';
import { BackendError, ValueError } from './errors.js';
import type { AttrsArg, CheckedOpName, InputsArg, OpName, OutputsArg } from './op-table.js';
import { type GeneratorState, seedToKey } from './random.js';
import type { Tensor } from './tensor.js';

/** Shared storage of one or more tensors (views); freed when the last holder lets go. */
export interface DataRef {
  readonly backend: Backend;
  readonly storage: Storage;
  readonly dtype: DType;
  readonly size: number;
  refs: number;
}

/** A node of the autograd graph, as @nn/tensor sees it. */
export interface GradFn {
  readonly name: string;
  /** The tensor holding this node let go of it (disposed). */
  release(): void;
}

/** Options of `t.backward()`. */
export interface BackwardOptions {
  /** Keep the saved tensors for a second backward pass (default: `createGraph`). */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself, so the gradients it produces have a graph and can be
   * differentiated again (gradient penalties, Hessian-vector products), as PyTorch's `create_graph`.
   */
  createGraph?: boolean;
}

/** What @nn/autograd installs: the recorder of ops and the reverse pass. */
export interface GradEngine {
  /** `attrs` are `OpTable[op]['attrs']`; `inputs` and `outputs` have the table's shapes. */
  record(op: OpName, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: object): void;
  backward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void;
  /** Makes `alias`, a view equal to `source` element for element, take its place in the graph. */
  alias(source: Tensor, alias: Tensor): void;
  /** Installs or removes the profiler's hooks around gradient rules (see `Backend.instrument`). */
  instrument?(probe: Probe | null): void;
}

interface BackendCounters {
  numTensors: number;
  numBytes: number;
}

interface EngineState {
  backends: Map<string, Backend>;
  current: Backend | null;
  scopes: Set<Tensor>[];
  counters: Map<string, BackendCounters>;
  gradEngine: GradEngine | null;
  noGradDepth: number;
  generator: GeneratorState;
  nextId: number;
}

// One engine per program, even when two copies of @nn/tensor are installed.
const KEY = Symbol.for('@nn/tensor.engine');
type GlobalWithEngine = typeof globalThis & { [KEY]?: EngineState };
const g = globalThis as GlobalWithEngine;
if (!g[KEY]) {
  g[KEY] = {
    backends: new Map(),
    current: null,
    scopes: [],
    counters: new Map(),
    gradEngine: null,
    noGradDepth: 0,
    generator: { key: seedToKey(0), counter: 0 },
    nextId: 1,
  };
}
export const engine: EngineState = g[KEY]!;

function counters(name: string): BackendCounters {
  let c = engine.counters.get(name);
  if (!c) {
    c = { numTensors: 0, numBytes: 0 };
    engine.counters.set(name, c);
  }
  return c;
}

export function newDataRef(backend: Backend, storage: Storage, dtype: DType, size: number): DataRef {
  counters(backend.name).numBytes += size * bytesPerElement(dtype);
  return { backend, storage, dtype, size, refs: 0 };
}

export function retainData(ref: DataRef): void {
  ref.refs++;
}

export function releaseData(ref: DataRef): void {
  ref.refs--;
  if (ref.refs === 0) {
    counters(ref.backend.name).numBytes -= ref.size * bytesPerElement(ref.dtype);
    ref.backend.free(ref.storage);
  }
}

export function countTensor(backend: string, delta: number): void {
  counters(backend).numTensors += delta;
}

export function nextTensorId(): number {
  return engine.nextId++;
}

// ---------------------------------------------------------------- backends

/** Adds a backend under its name. The first one registered becomes current. */
export function registerBackend(backend: Backend): void {
  engine.backends.set(backend.name, backend);
  if (!engine.current) engine.current = backend;
}

/** Makes a registered backend the one new tensors are created on. */
export function setBackend(name: string): void {
  const b = engine.backends.get(name);
  if (!b) {
    const known = [...engine.backends.keys()];
    throw new BackendError(
      `setBackend: no backend named '${name}' is registered (registered: ${known.length ? known.join(', ') : 'none'}); call registerBackend(${name}()) first`,
    );
  }
  engine.current = b;
}

/**
 * Registers a backend and makes it current: `use(cpu())`.
 *
 * @example
 * ```ts
 * import { cpu } from '@nn/backend-cpu';
 * use(cpu());
 * console.log(getBackend().name); // 'cpu'
 * ```
 */
export function use(backend: Backend): Backend {
  registerBackend(backend);
  engine.current = backend;
  return backend;
}

/** The named backend, or the current one. */
export function getBackend(name?: string): Backend {
  if (name !== undefined) {
    const b = engine.backends.get(name);
    if (!b) throw new BackendError(`getBackend: no backend named '${name}' is registered`);
    return b;
  }
  if (!engine.current) {
    throw new BackendError(
      "no backend is set: register one first, e.g. `import { cpu } from '@nn/backend-cpu'; use(cpu())`",
    );
  }
  return engine.current;
}

/** Names of the registered backends, in registration order. */
export function listBackends(): string[] {
  return [...engine.backends.keys()];
}

/** Removes a backend from the registry (its live tensors stay usable until disposed). */
export function removeBackend(name: string): void {
  engine.backends.delete(name);
  if (engine.current?.name === name) engine.current = engine.backends.values().next().value ?? null;
}

// ---------------------------------------------------------------- randomness

/**
 * Makes every random draw from here on reproducible.
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const a = await randn([3]).data();
 * manualSeed(0);
 * const b = await randn([3]).data(); // the same numbers, on every backend
 * ```
 */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new ValueError(`manualSeed: seed must be a finite number, got ${seed}`);
  engine.generator = { key: seedToKey(seed), counter: 0 };
}

/** Reserves `n` counters of the generator and returns the first. */
export function takeCounters(n: number): { key: [number, number]; counter: number } {
  const counter = engine.generator.counter;
  engine.generator.counter += n;
  return { key: engine.generator.key, counter };
}

// ---------------------------------------------------------------- gradients

export function setGradEngine(ge: GradEngine | null): void {
  engine.gradEngine = ge;
}

export function getGradEngine(): GradEngine | null {
  return engine.gradEngine;
}

/** Whether ops are being recorded for autograd now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return engine.noGradDepth === 0;
}

/** Runs fn with recording of gradients off (or on again, with `enabled`). */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const saved = engine.noGradDepth;
  engine.noGradDepth = enabled ? 0 : saved + 1;
  try {
    return fn();
  } finally {
    engine.noGradDepth = saved;
  }
}

const NO_ATTRS = Object.freeze({});

/**
 * Gives `y`, an identity view of `x` (same shape, same elements), x's place in the graph without
 * recording a node: its gradient is x's, so there is nothing to compute on the way back.
 */
export function recordAlias(x: Tensor, y: Tensor): void {
  const ge = engine.gradEngine;
  if (!ge || engine.noGradDepth > 0 || !x.requiresGrad) return;
  ge.alias(x, y);
}

/**
 * Records an op for autograd when recording is on and some input needs a gradient. The op must be
 * in `OpTable` (packages/tensor/src/op-table.ts), which types its inputs, outputs and attributes;
 * an op not in the table does not compile, and the error says what to add.
 */
export function recordOp<K extends string>(
  op: CheckedOpName<K>,
  inputs: InputsArg<K>,
  outputs: OutputsArg<K>,
  ...attrs: AttrsArg<K>
): void {
  const ge = engine.gradEngine;
  if (!ge || engine.noGradDepth > 0) return;
  if (!inputs.some((t) => t.requiresGrad)) return;
  ge.record(op as OpName, inputs, outputs, attrs[0] ?? NO_ATTRS);
}
