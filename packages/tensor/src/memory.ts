import { engine } from './engine.js';
import { ValueError } from './errors.js';
import { Tensor } from './tensor.js';

/** A value `tidy` may return: tensors, possibly inside arrays or plain objects. */
export type TensorContainer =
  | Tensor
  | number
  | string
  | boolean
  | null
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: tidy(() => { ... }) returns nothing
  | void
  | TensorContainer[]
  | {
      [key: string]: TensorContainer;
    };

function collect(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out);
  }
}

/** Adds a new tensor to the innermost open scope. */
export function track(t: Tensor): void {
  const scope = engine.scopes[engine.scopes.length - 1];
  if (scope) scope.add(t);
}

/**
 * Runs `fn` and frees every tensor created inside it, except those it returns (which move to
 * the enclosing scope) and those passed to `keep`. `fn` must be synchronous.
 *
 * @example
 * ```ts
 * const loss = tidy(() => {
 *   const pred = model.call(x); // freed when tidy returns
 *   return crossEntropy(pred, y); // kept: it is returned
 * });
 * ```
 */
export function tidy<T extends TensorContainer>(fn: () => T): T;
export function tidy<T extends TensorContainer>(name: string, fn: () => T): T;
export function tidy<T extends TensorContainer>(a: string | (() => T), b?: () => T): T {
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') throw new ValueError('tidy: expected a function');
  const scope = new Set<Tensor>();
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    engine.scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  engine.scopes.pop();
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    for (const t of scope) t.dispose();
    throw new ValueError('tidy: fn returned a Promise; tidy only scopes synchronous code');
  }
  const returned = new Set<Tensor>();
  collect(result, returned);
  for (const t of scope) if (!returned.has(t)) t.dispose();
  // Only what this scope made moves up: a returned input stays in whatever scope owns it.
  const parent = engine.scopes[engine.scopes.length - 1];
  if (parent) for (const t of returned) if (scope.has(t) && !t.isDisposed) parent.add(t);
  return result;
}

/** Exempts a tensor from every enclosing `tidy`; free it yourself with `dispose()`. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of engine.scopes) scope.delete(t);
  return t;
}

/** Frees tensors now (any nesting of arrays and objects). */
export function dispose(value: TensorContainer): void {
  const all = new Set<Tensor>();
  collect(value, all);
  for (const t of all) t.dispose();
}

/** What `memory()` reports: live tensors and their bytes, in all and per backend. */
export interface MemoryInfo {
  /** Live tensors on every backend. */
  numTensors: number;
  /** Bytes of live storage (as host element sizes) on every backend. */
  numBytes: number;
  backends: Record<
    string,
    { numTensors: number; numBytes: number; bytesInUse: number; bytesReserved?: number }
  >;
}

/**
 * Live tensors and bytes, in all and per backend.
 *
 * @example
 * ```ts
 * const before = memory().numTensors;
 * tidy(() => randn([100, 100]).matmul(randn([100, 100])).sum());
 * console.log(memory().numTensors - before); // 1: only the returned sum is alive
 * ```
 */
export function memory(): MemoryInfo {
  const backends: MemoryInfo['backends'] = {};
  let numTensors = 0;
  let numBytes = 0;
  for (const [name, c] of engine.counters) {
    const b = engine.backends.get(name);
    const m = b?.memory() ?? { bytesInUse: 0 };
    backends[name] = { numTensors: c.numTensors, numBytes: c.numBytes, ...m };
    numTensors += c.numTensors;
    numBytes += c.numBytes;
  }
  return { numTensors, numBytes, backends };
}
