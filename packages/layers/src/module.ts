import {
  DTypeError,
  fmtShape,
  getBackend,
  isFloat,
  isTensor,
  keep,
  ShapeError,
  shapesEqual,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { isParameter, Parameter } from './parameter.js';

/** Tensors by dotted name (`"0.weight"`, `"bn.running_mean"`): what `stateDict()` gives and `loadStateDict()` takes. */
export type StateDict = Record<string, Tensor>;

/** A state dict as an object or as a Map (what the `@nn/io` loaders return). */
export type StateDictLike = StateDict | ReadonlyMap<string, Tensor>;

/**
 * Renames incoming keys before they are matched: `[pattern, replacement]` pairs applied in order
 * with `String.replace` (e.g. `[[/^model\./, '']]` drops a prefix), or a function that returns the
 * new key, or null to skip the key.
 */
export type KeyRemap = Iterable<readonly [RegExp, string]> | ((key: string) => string | null);

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /**
   * Require exactly the module's keys (default true): a missing or unexpected key throws and
   * nothing changes. With false, the module keys the dict has are loaded and the others reported.
   * A key on both sides whose shape or kind differs throws either way, as in PyTorch.
   */
  strict?: boolean;
  /**
   * Renames the dict's keys to the module's (applied before matching); a function returning
   * `null` drops the key, e.g. the old head when loading a trained body under a new one.
   */
  remap?: KeyRemap;
}

/** A key present on both sides whose tensor does not fit (shape, or float vs integer). */
interface MismatchedKey {
  key: string;
  expected: { shape: number[]; dtype: string };
  got: { shape: number[]; dtype: string };
}

/** What `Module.loadStateDict` left out (both empty after a strict load, which throws otherwise). */
export interface LoadStateDictResult {
  /** Module keys the dict lacks. */
  missingKeys: string[];
  /** Dict keys (after remapping) the module lacks. */
  unexpectedKeys: string[];
}

/**
 * The base of every layer and model, as PyTorch's `nn.Module`. Parameters (tensors made with
 * `Parameter`), buffers (`registerBuffer`) and child modules are found among the module's own
 * properties, in the order they were assigned, so a subclass just writes
 * `this.weight = Parameter(...)` and `this.fc = new Linear(...)`.
 *
 * @example
 * ```ts
 * class MLP extends Module {
 *   fc1 = new Linear(784, 128);
 *   fc2 = new Linear(128, 10);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.call(relu(this.fc1.call(x)));
 *   }
 * }
 * const net = new MLP();
 * console.log(Object.keys(net.stateDict())); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout, batch statistics, noise on) or evaluation mode. */
  training = true;
  readonly #buffers = new Map<string, boolean>();

  /** The computation: override in subclasses. Call it through `call` (or directly). */
  abstract forward(...inputs: In): Out;

  /** Runs `forward` (PyTorch's `module(x)`). */
  call(...inputs: In): Out {
    return this.forward(...inputs);
  }

  // ---------------------------------------------------------------- registration

  /** Adds (or replaces) a parameter under `name`; `null` registers an absent one (a layer without bias). */
  registerParameter(name: string, value: Tensor | null): Tensor | null {
    checkName('registerParameter', name);
    const p = value === null ? null : isParameter(value) ? value : Parameter(value);
    (this as unknown as Record<string, unknown>)[name] = p;
    return p;
  }

  /**
   * Adds a buffer: state that is not trained but belongs to the module (running statistics).
   * Persistent buffers are part of the state dict. The tensor is kept out of `tidy`.
   */
  registerBuffer(name: string, value: Tensor | null, options: { persistent?: boolean } = {}): Tensor | null {
    checkName('registerBuffer', name);
    if (value !== null && !isTensor(value))
      throw new ValueError(`registerBuffer: '${name}' must be a Tensor or null`);
    if (value) keep(value);
    this.#buffers.set(name, options.persistent ?? true);
    (this as unknown as Record<string, unknown>)[name] = value;
    return value;
  }

  /** Adds a child module under `name`. */
  registerModule(name: string, module: Module<never[], unknown> | null): void {
    checkName('registerModule', name);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  // ---------------------------------------------------------------- traversal

  #own(): [string, unknown][] {
    return Object.entries(this).filter(([k]) => k !== 'training');
  }

  /** Direct parameters as [name, tensor]. */
  protected ownParameters(): [string, Tensor][] {
    return this.#own().filter((e): e is [string, Tensor] => isParameter(e[1]));
  }

  /** Direct buffers as [name, tensor, persistent]. */
  protected ownBuffers(): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    for (const [name, persistent] of this.#buffers) {
      const t = (this as unknown as Record<string, unknown>)[name];
      if (isTensor(t)) out.push([name, t, persistent]);
    }
    return out;
  }

  /** Direct children as [name, module]. */
  namedChildren(): [string, AnyModule][] {
    return this.#own().filter((e): e is [string, AnyModule] => e[1] instanceof Module);
  }

  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, with dotted names ('' for this one). Shared modules appear once. */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const walk = (m: AnyModule, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [child, c] of m.namedChildren()) walk(c, name ? `${name}.${child}` : child);
    };
    walk(this as unknown as AnyModule, prefix);
    return out;
  }

  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name; a parameter shared by two modules appears once. */
  namedParameters(options: { recurse?: boolean } = {}): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, AnyModule][] =
      options.recurse === false ? [['', this as unknown as AnyModule]] : this.namedModules();
    for (const [prefix, m] of mods) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.ownBuffers()) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of trainable values. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  // ---------------------------------------------------------------- modes

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Calls `fn` on every descendant, then on this module (as PyTorch: children first). */
  apply(fn: (m: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this as unknown as AnyModule);
    return this;
  }

  // ---------------------------------------------------------------- state

  /**
   * Parameters and persistent buffers by dotted name, as detached tensors. Optimizers and
   * `loadStateDict` replace data rather than write into it, so the dict is a snapshot of the
   * values now. The tensors are kept (not freed by tidy); dispose them when done.
   */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [key, t] of this.#stateTargets()) sd[key] = keep(t.detach());
    return sd;
  }

  /** The module's own tensors by state-dict key (the live ones, not copies). */
  #stateTargets(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const at = (n: string): string => (prefix ? `${prefix}.${n}` : n);
      for (const [name, p] of m.ownParameters()) out.set(at(name), p);
      for (const [name, b, persistent] of m.ownBuffers()) if (persistent) out.set(at(name), b);
    }
    return out;
  }

  /**
   * Copies values from a state dict (an object or a Map, e.g. from `loadSafetensors` or
   * `loadTorch` of `@nn/io`), as PyTorch's `load_state_dict`. Every key, shape and kind is
   * checked before anything changes. Strict (the default): a missing, unexpected or mis-shaped key
   * throws (ValueError for keys, else ShapeError or DTypeError, the message listing every problem)
   * and the module is exactly as it was. Not strict: missing and unexpected keys are reported
   * instead, but a mis-shaped key still throws, as in PyTorch: a weight that cannot be loaded is
   * never skipped silently (drop it on purpose with a `remap` function returning `null`). Values may come from another backend or dtype (int64 data read as int32
   * loads into an int32 buffer; float64 into float32); the dict's tensors stay the caller's.
   */
  loadStateDict(sd: StateDictLike, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const incoming = renamed(sd, options.remap);
    const targets = this.#stateTargets();
    const missingKeys = [...targets.keys()].filter((k) => !incoming.has(k));
    const unexpectedKeys = [...incoming.keys()].filter((k) => !targets.has(k));
    const mismatchedKeys: MismatchedKey[] = [];
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, target] of targets) {
      const v = incoming.get(key);
      if (v === undefined) continue;
      if (!isTensor(v))
        throw new ValueError(
          `loadStateDict: '${key}' must be a Tensor, got ${v === null ? 'null' : typeof v}`,
        );
      if (v.isDisposed) throw new ValueError(`loadStateDict: '${key}' was disposed`);
      if (!shapesEqual(v.shape, target.shape) || isFloat(v.dtype) !== isFloat(target.dtype)) {
        mismatchedKeys.push({
          key,
          expected: { shape: [...target.shape], dtype: target.dtype },
          got: { shape: [...v.shape], dtype: v.dtype },
        });
        continue;
      }
      pairs.push([target, v]);
    }
    throwIfMismatched(
      strict ? { missingKeys, unexpectedKeys } : { missingKeys: [], unexpectedKeys: [] },
      mismatchedKeys,
    );
    // Everything checked. Convert first (a failure here frees the conversions and changes nothing),
    // then assign, which cannot fail.
    const converted: [Tensor, Tensor][] = [];
    try {
      for (const [target, v] of pairs) converted.push([target, convertLike(v, target)]);
    } catch (e) {
      for (const [, c] of converted) c.dispose();
      throw e;
    }
    for (const [i, [target, c]] of converted.entries()) {
      target.assign(c);
      // A conversion is ours to free; the caller's own tensor is not.
      if (c !== pairs[i][1]) c.dispose();
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Moves every parameter and buffer to another registered backend (copies; the old data is freed). */
  to(backend: string): this {
    // An unknown name fails here, before any tensor has moved.
    getBackend(backend);
    for (const m of this.modules()) {
      const rec = m as unknown as Record<string, unknown>;
      for (const [name, p] of m.ownParameters()) {
        if (p.backendName === backend) continue;
        const view = p.detach();
        const moved = view.to(backend);
        view.dispose();
        rec[name] = Parameter(moved, { requiresGrad: p.requiresGrad });
        p.dispose();
      }
      for (const [name, b] of m.ownBuffers()) {
        if (b.backendName === backend) continue;
        rec[name] = keep(b.to(backend));
        b.dispose();
      }
    }
    return this;
  }

  /** A one-line-per-module summary, PyTorch style. */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()})`;
    const kids = this.namedChildren();
    if (kids.length === 0) return head;
    const body = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`).join('\n');
    return `${this.constructor.name}(\n${body}\n)`;
  }

  /** The constructor arguments shown by `toString`. */
  protected extraRepr(): string {
    return '';
  }
}

/** Any module, whatever its forward signature (for traversal; call a module through its own type). */
export type AnyModule = Module<never[], unknown>;

/** The incoming tensors by (remapped) key. */
function renamed(sd: StateDictLike, remap: KeyRemap | undefined): Map<string, Tensor> {
  if (!sd || typeof sd !== 'object')
    throw new ValueError('loadStateDict: expected tensors by name (an object or a Map)');
  const entries: [string, Tensor][] = sd instanceof Map ? [...sd.entries()] : Object.entries(sd as StateDict);
  const rename = remapFunction(remap);
  const out = new Map<string, Tensor>();
  const from = new Map<string, string>();
  for (const [key, t] of entries) {
    const k = rename(key);
    if (k === null) continue;
    if (from.has(k))
      throw new ValueError(`loadStateDict: remap sends both '${from.get(k)}' and '${key}' to '${k}'`);
    from.set(k, key);
    out.set(k, t);
  }
  return out;
}

function remapFunction(remap: KeyRemap | undefined): (key: string) => string | null {
  if (remap === undefined) return (k) => k;
  if (typeof remap === 'function') return remap;
  if (typeof (remap as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new ValueError('loadStateDict: remap must be [pattern, replacement] pairs or a function');
  const rules = [...remap];
  for (const r of rules) {
    if (!Array.isArray(r) || !(r[0] instanceof RegExp) || typeof r[1] !== 'string')
      throw new ValueError('loadStateDict: each remap rule must be [RegExp, replacement string]');
  }
  return (key) => rules.reduce((k, [re, to]) => k.replace(re, to), key);
}

function throwIfMismatched(r: LoadStateDictResult, mismatched: MismatchedKey[]): void {
  const parts: string[] = [];
  if (r.missingKeys.length) parts.push(`missing keys: ${r.missingKeys.join(', ')}`);
  if (r.unexpectedKeys.length) parts.push(`unexpected keys: ${r.unexpectedKeys.join(', ')}`);
  for (const m of mismatched) {
    parts.push(
      `'${m.key}' has shape ${fmtShape(m.got.shape)} (${m.got.dtype}), the module expects ${fmtShape(m.expected.shape)} (${m.expected.dtype})`,
    );
  }
  if (parts.length === 0) return;
  const hint = mismatched.length
    ? '. To load the rest, leave the mis-shaped keys out (a remap function returning null drops a key)'
    : '';
  const message = `loadStateDict: the state dict does not match the module (${parts.join('; ')})${hint}`;
  if (r.missingKeys.length || r.unexpectedKeys.length) throw new ValueError(message);
  if (mismatched.some((m) => !shapesEqual(m.got.shape, m.expected.shape))) throw new ShapeError(message);
  throw new DTypeError(message);
}

/** `v` on the target's backend and dtype: `v` itself when it already is, else a new tensor. */
function convertLike(v: Tensor, target: Tensor): Tensor {
  const onBackend = v.backendName === target.backendName ? v : v.to(target.backendName);
  if (onBackend.dtype === target.dtype) return onBackend;
  try {
    return onBackend.to(target.dtype);
  } finally {
    if (onBackend !== v) onBackend.dispose();
  }
}

function checkName(op: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new ValueError(`${op}: name must be a non-empty string without '.', got '${String(name)}'`);
  }
  if (name === 'training') throw new ValueError(`${op}: 'training' is reserved`);
}
