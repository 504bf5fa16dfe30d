import {
  add,
  BackendError,
  checkOptions,
  DisposedError,
  DTypeError,
  fmtShape,
  isFloat,
  isTensor,
  keep,
  listBackends,
  mul,
  ShapeError,
  shapesEqual,
  type Tensor,
  tidy,
  ValueError,
  withGradMode,
  zerosLike,
} from '@nn/tensor';
import { checkNonNegative } from './validate.js';

/** Hyper-parameters every optimizer has; each optimizer adds its own. */
export interface BaseOptions {
  lr: number;
}

/** A group of parameters sharing hyper-parameters (schedulers change `lr` here). */
export type ParamGroup<O> = O & { params: Tensor[] };

/** A parameter group as given by the user: its own options override the optimizer's defaults. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };

/** Per-parameter state: tensors (moment estimates...) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** A snapshot of an optimizer: state by parameter position, and the groups' options. */
export interface OptimizerStateDict<O> {
  state: Record<number, ParamState>;
  paramGroups: (O & { params: number[] })[];
}

/** The gradient with L2 weight decay folded in: grad + weightDecay · p (grad itself when it is 0). */
export function withWeightDecay(grad: Tensor, p: Tensor, weightDecay: number): Tensor {
  return weightDecay !== 0 ? add(grad, mul(p, weightDecay)) : grad;
}

function isGroupInput<O>(x: unknown): x is ParamGroupInput<O> {
  return typeof x === 'object' && x !== null && !isTensor(x) && 'params' in x;
}

/**
 * The base of every optimizer, as PyTorch's: parameter groups with their own options,
 * `zeroGrad()`, `step()`, `addParamGroup`, `stateDict()`/`loadStateDict()`, `dispose()`. Updates run without
 * recording gradients and inside `tidy`, so a step leaks no tensors; state tensors are kept.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: O;
  protected readonly name: string;

  /** The option names of this optimizer (what a parameter group may set). */
  protected readonly optionNames: readonly string[];

  protected constructor(
    name: string,
    params: Iterable<Tensor> | Iterable<ParamGroupInput<O>>,
    defaults: O,
    optionNames: readonly (keyof O & string)[],
  ) {
    this.name = name;
    this.optionNames = optionNames;
    checkOptions(name, defaults, optionNames);
    this.validate(defaults);
    this.defaults = defaults;
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError(`${name}: got an empty parameter list`);
    if (list.every(isGroupInput)) for (const g of list) this.addParamGroup(g as ParamGroupInput<O>);
    else if (list.some(isGroupInput))
      throw new ValueError(`${name}: pass either tensors or parameter groups, not a mix`);
    else this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
  }

  /** Checks a full set of options; throws a ValueError naming the bad one. */
  protected validate(options: O): void {
    checkNonNegative(this.name, 'lr', options.lr);
  }

  /** Adds a group of parameters with options of its own (the defaults fill the rest). */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (!isGroupInput(group)) throw new ValueError(`${this.name}: a parameter group needs a 'params' list`);
    checkOptions(`${this.name} parameter group`, group, [...this.optionNames, 'params', 'initialLr']);
    const params = isTensor(group.params) ? [group.params as Tensor] : [...group.params];
    if (params.length === 0) throw new ValueError(`${this.name}: a parameter group has no parameters`);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!isTensor(p)) throw new ValueError(`${this.name}: parameter ${i} is not a Tensor`);
      if (!isFloat(p.dtype))
        throw new DTypeError(
          `${this.name}: can only optimize floating point tensors, parameter ${i} is ${p.dtype}`,
        );
      if (!p.isLeaf)
        throw new ValueError(
          `${this.name}: can't optimize a non-leaf tensor (parameter ${i}, shape ${fmtShape(p.shape)})`,
        );
      if (seen.has(p))
        throw new ValueError(
          `${this.name}: parameter ${i} (shape ${fmtShape(p.shape)}) appears more than once`,
        );
      seen.add(p);
    });
    const { params: _ignored, ...own } = group;
    const merged = { ...this.defaults, ...own } as O;
    this.validate(merged);
    this.paramGroups.push({ ...merged, params });
  }

  /** Clears every parameter's gradient (sets it to null, freeing it). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  /**
   * One update of every parameter that has a gradient. Every parameter is checked first: a
   * disposed one is a DisposedError and one whose gradient lives on another backend a
   * BackendError (nothing is updated then), never a silent skip. State tensors follow a
   * parameter that `Module.to` moved.
   */
  step(): void {
    this.checkParams();
    withGradMode(false, () => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (!grad) continue;
          let state = this.state.get(p);
          if (!state) {
            state = {};
            this.state.set(p, state);
          }
          const s = state;
          this.moveState(p, s);
          tidy(() => {
            this.update(p, grad, s, group);
            return null;
          });
        }
      }
    });
  }

  /** The checks of `step()`, over every parameter before any is updated. */
  protected checkParams(): void {
    this.allParams().forEach((p, i) => {
      const what = `${this.name}.step: parameter ${i} (shape ${fmtShape(p.shape)})`;
      if (p.isDisposed) {
        throw new DisposedError(
          `${what} was disposed. Module.to() keeps parameters (it moves them in place); if the model's parameters were replaced or freed, build the optimizer again from model.parameters()`,
        );
      }
      if (!listBackends().includes(p.backendName)) {
        throw new BackendError(
          `${what} lives on the '${p.backendName}' backend, which is no longer registered`,
        );
      }
      if (p.grad && p.grad.backendName !== p.backendName) {
        throw new BackendError(
          `${what} is on '${p.backendName}' but its gradient is on '${p.grad.backendName}'; move them together (Module.to moves both)`,
        );
      }
    });
  }

  /** Moves a parameter's state tensors to its backend when the parameter has moved (Module.to). */
  private moveState(p: Tensor, state: ParamState): void {
    for (const [k, v] of Object.entries(state)) {
      if (!isTensor(v) || v.backendName === p.backendName) continue;
      state[k] = keep(v.to(p.backendName));
      v.dispose();
    }
  }

  /** Updates one parameter (runs inside tidy and without gradient recording). */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** Stores a state tensor, keeping it out of the step's tidy and freeing the one it replaces. */
  protected setState(state: ParamState, key: string, value: Tensor): Tensor {
    const old = state[key];
    const kept = keep(value);
    state[key] = kept;
    if (isTensor(old) && old !== kept) old.dispose();
    return kept;
  }

  /** Counts one more step in a parameter's state and returns the new count (1 on the first step). */
  protected nextStep(state: ParamState): number {
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    return step;
  }

  /** A state tensor, or `init` (zeros shaped like `p` by default) before the first step; not stored. */
  protected stateOr(
    state: ParamState,
    key: string,
    p: Tensor,
    init: () => Tensor = () => zerosLike(p),
  ): Tensor {
    const v = state[key];
    return isTensor(v) ? v : init();
  }

  /**
   * Frees every state tensor (moment estimates, momentum buffers...) and forgets the state, as
   * TensorFlow.js's `optimizer.dispose()`: on wasm and webgpu they hold backend memory until
   * freed. The optimizer stays usable; a later `step()` starts from fresh state.
   */
  dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
  }

  /** Every parameter in group order: positions index the state dict. */
  protected allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** A copy of the optimizer's state (state tensors cloned) and its groups' options. */
  stateDict(): OptimizerStateDict<O> {
    const index = new Map(this.allParams().map((p, i) => [p, i]));
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = isTensor(v) ? keep(v.clone()) : v;
      state[i] = copy;
    }
    let offset = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      const ids = params.map((_, k) => offset + k);
      offset += params.length;
      return { ...(options as unknown as O), params: ids };
    });
    return { state, paramGroups };
  }

  /** Restores a snapshot taken by `stateDict()`; checks everything before changing anything. */
  loadStateDict(sd: OptimizerStateDict<O>): void {
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new ValueError(
        `${this.name}.loadStateDict: expected { state, paramGroups } as made by stateDict()`,
      );
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError(
        `${this.name}.loadStateDict: the state dict has ${sd.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}`,
      );
    }
    sd.paramGroups.forEach((g, i) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[i].params.length) {
        throw new ValueError(
          `${this.name}.loadStateDict: group ${i} has ${g.params?.length ?? 0} parameters in the state dict, ${this.paramGroups[i].params.length} in the optimizer`,
        );
      }
      const { params: _p, ...options } = g;
      this.validate({ ...this.defaults, ...(options as unknown as O) });
    });
    const all = this.allParams();
    const idToParam = new Map<number, Tensor>();
    for (const [gi, g] of sd.paramGroups.entries()) {
      for (const [k, id] of g.params.entries()) idToParam.set(id, this.paramGroups[gi].params[k]);
    }
    for (const [key, s] of Object.entries(sd.state)) {
      const p = idToParam.get(Number(key));
      if (!p)
        throw new ValueError(
          `${this.name}.loadStateDict: state for parameter ${key}, which no group lists (${all.length} parameters)`,
        );
      for (const [k, v] of Object.entries(s)) {
        if (isTensor(v) && !shapesEqual(v.shape, p.shape) && v.size !== 1) {
          throw new ShapeError(
            `${this.name}.loadStateDict: state '${k}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter ${fmtShape(p.shape)}`,
          );
        }
      }
    }
    // Everything checked: now replace.
    sd.paramGroups.forEach((g, i) => {
      const { params: _p, ...options } = g;
      Object.assign(this.paramGroups[i], options);
    });
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = idToParam.get(Number(key)) as Tensor;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (!isTensor(v)) {
          copy[k] = v;
          continue;
        }
        const moved = v.backendName === p.backendName ? v : v.to(p.backendName);
        copy[k] = keep(moved.clone());
        if (moved !== v) moved.dispose();
      }
      this.state.set(p, copy);
    }
  }
}
