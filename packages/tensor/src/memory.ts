import { engine } from './engine.js';
import { ValueError } from './errors.js';
import { checkSyncScope, refuseReturnedPromise } from './scope-fn.js';
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

/**
 * Every tensor reachable from `value`: through arrays, plain and class objects (own enumerable
 * properties), Maps and Sets, once each; typed arrays are not searched.
 */
function collect(value: unknown, out: Set<Tensor>, seen?: Set<object>): void {
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  // Made on the first container only: ops scope themselves, and most return one tensor.
  seen ??= new Set<object>();
  if (seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) for (const v of value.values()) collect(v, out, seen);
  else if (value instanceof Set || Array.isArray(value)) for (const v of value) collect(v, out, seen);
  else for (const v of Object.values(value)) collect(v, out, seen);
}

const TIDY_HINT =
  'Tidy the synchronous part and await outside: `const y = tidy(() => model.call(x)); await y.data()`.';

/** Adds a new tensor to the innermost open scope; false when no scope is open. */
export function track(t: Tensor): boolean {
  const scope = engine.scopes[engine.scopes.length - 1];
  if (!scope) return false;
  scope.add(t);
  return true;
}

/** A tensor leaving a scope alive: into the enclosing scope, or under the finalizer's watch. */
function handOut(t: Tensor, parent: Set<Tensor> | undefined): void {
  if (parent) parent.add(t);
  else t._guard();
}

/**
 * Runs `fn` and frees every tensor created inside it, except those it returns (anywhere inside
 * arrays, objects, Maps or Sets; they move to the enclosing scope) and those passed to `keep`.
 * `fn` must be synchronous: an async function, or a returned Promise, is a ValueError (the scope
 * would end at the first `await`).
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
  checkSyncScope('tidy', fn, TIDY_HINT);
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
  try {
    refuseReturnedPromise('tidy', result, TIDY_HINT);
  } catch (e) {
    for (const t of scope) t.dispose();
    throw e;
  }
  // Only what this scope made moves out: a returned tensor from outside (an input passed through,
  // a kept tensor) stays where it was, or an enclosing scope would free its caller's tensor.
  const parent = engine.scopes[engine.scopes.length - 1];
  if (result instanceof Tensor) {
    // The common case (every composite op runs in a scope) without the search's sets.
    for (const t of scope) if (t !== result) t.dispose();
    if (scope.has(result) && !result.isDisposed) handOut(result, parent);
    return result;
  }
  const returned = new Set<Tensor>();
  collect(result, returned);
  for (const t of scope) if (!returned.has(t)) t.dispose();
  for (const t of returned) if (scope.has(t) && !t.isDisposed) handOut(t, parent);
  return result;
}

/**
 * `tidy(fn)` when `scoped`, else `fn()`: for primitive ops that make an intermediate (a cast, a
 * reshape) only on some inputs, so the common path does not pay for a scope it would not use.
 */
export function tidyIf<T extends TensorContainer>(scoped: boolean, fn: () => T): T {
  return scoped ? tidy(fn) : fn();
}

/** Exempts a tensor from every enclosing `tidy`; free it yourself with `dispose()`. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of engine.scopes) scope.delete(t);
  t._guard();
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
