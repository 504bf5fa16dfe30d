import {
  BackendError,
  checkOptions,
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

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require exactly the module's keys (default true); false loads the keys both have. */
  strict?: boolean;
}

/** What `Module.loadStateDict` matched: module keys the dict lacks, and dict keys the module lacks (both empty when strict). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * The base of every layer and model, as PyTorch's `nn.Module`. Parameters (tensors made with
 * `Parameter`), buffers (`registerBuffer`) and child modules are found among the module's own
 * properties, in the order they were assigned, so a subclass just writes
 * `this.weight = Parameter(...)` and `this.fc = new Linear(...)`.
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
    checkOptions('registerBuffer', options, ['persistent']);
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
    checkOptions('namedParameters', options, ['recurse']);
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
    checkOptions('parameters', options, ['recurse']);
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
   * Copies values from a state dict. Every key, type and shape is checked before anything
   * changes: on an error (ValueError for missing or unexpected keys, ShapeError, DTypeError) the
   * module is exactly as it was. Values may come from another backend.
   */
  loadStateDict(sd: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = checkOptions('loadStateDict', options, ['strict']).strict ?? true;
    if (!sd || typeof sd !== 'object')
      throw new ValueError('loadStateDict: expected an object of tensors by name');
    const targets = this.#stateTargets();
    const missingKeys = [...targets.keys()].filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !targets.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new ValueError(`loadStateDict: the state dict does not match the module (${parts.join('; ')})`);
    }
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, target] of targets) {
      if (!(key in sd)) continue;
      const v = sd[key];
      if (!isTensor(v))
        throw new ValueError(
          `loadStateDict: '${key}' must be a Tensor, got ${v === null ? 'null' : typeof v}`,
        );
      if (v.isDisposed) throw new ValueError(`loadStateDict: '${key}' was disposed`);
      if (!shapesEqual(v.shape, target.shape)) {
        throw new ShapeError(
          `loadStateDict: '${key}' has shape ${fmtShape(v.shape)}, the module expects ${fmtShape(target.shape)}`,
        );
      }
      if (isFloat(v.dtype) !== isFloat(target.dtype)) {
        throw new DTypeError(`loadStateDict: '${key}' is ${v.dtype}, the module expects ${target.dtype}`);
      }
      pairs.push([target, v]);
    }
    // Everything checked: now copy.
    for (const [target, v] of pairs) {
      const onBackend = v.backendName === target.backendName ? v : v.to(target.backendName);
      const typed = onBackend.dtype === target.dtype ? onBackend : onBackend.to(target.dtype);
      target.assign(typed === v ? v.detach() : typed);
      if (typed !== v && typed !== onBackend) typed.dispose();
      if (onBackend !== v) onBackend.dispose();
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Moves every parameter (with its gradient) and buffer to another registered backend, in place
   * as PyTorch does: each stays the same object with new storage, so an optimizer built before
   * the move still trains them (its state follows at the next `step()`). The old storage is freed.
   */
  to(backend: string): this {
    // An unknown name or a source that cannot be read synchronously fails here, before any tensor has moved.
    getBackend(backend);
    const tensors = [...this.parameters(), ...this.buffers()].filter((t) => t.backendName !== backend);
    for (const t of tensors) {
      if (!t.backend.readSync) {
        throw new BackendError(
          `Module.to: the '${t.backendName}' backend cannot read synchronously, so its tensors cannot move to '${backend}' in place; load the weights on '${backend}' instead (stateDict/loadStateDict)`,
        );
      }
    }
    for (const t of tensors) t._moveTo(backend);
    return this;
  }

  /** A one-line-per-module summary, PyTorch style. */
  toString(): string {
    const extra = this.extraRepr();
    const kids = this.namedChildren();
    if (kids.length === 0) return `${this.constructor.name}(${extra})`;
    // As PyTorch: the module's own arguments first, then one line per child.
    const lines = extra ? [`  ${extra}`] : [];
    for (const [n, m] of kids) lines.push(`  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${this.constructor.name}(\n${lines.join('\n')}\n)`;
  }

  /** The constructor arguments shown by `toString`. */
  protected extraRepr(): string {
    return '';
  }
}

/** Any module, whatever its forward signature (for traversal; call a module through its own type). */
export type AnyModule = Module<never[], unknown>;

function checkName(op: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new ValueError(`${op}: name must be a non-empty string without '.', got '${String(name)}'`);
  }
  if (name === 'training') throw new ValueError(`${op}: 'training' is reserved`);
}
