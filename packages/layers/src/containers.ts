import { type Tensor, ValueError } from '@nn/tensor';
import { isPlainReLU } from './layers/activation.js';
import { type AnyModule, Module } from './module.js';

type Layer = Module<[Tensor], Tensor>;

/**
 * Modules applied in order, each to the previous one's output. Give a list, or an object of named modules.
 *
 * @example
 * ```ts
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * const logits = model.call(randn([32, 784])); // [32, 10]
 * ```
 */
export class Sequential extends Module {
  constructor(...layers: Layer[] | [Record<string, Layer>]) {
    super();
    const first = layers[0];
    if (layers.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      for (const [name, m] of Object.entries(first)) this.add(name, m);
    } else for (const [i, m] of layers.entries()) this.add(String(i), m as Layer);
  }

  private add(name: string, m: Layer): void {
    if (!(m instanceof Module)) throw new ValueError(`Sequential: '${name}' is not a Module`);
    this.registerModule(name, m as unknown as AnyModule);
  }

  /** Appends a module (named by its position). */
  append(m: Layer): this {
    this.add(String(this.length), m);
    return this;
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Layer {
    const kids = this.children();
    const k = i < 0 ? kids.length + i : i;
    if (!Number.isInteger(k) || k < 0 || k >= kids.length)
      throw new ValueError(`Sequential: index ${i} is out of range for ${kids.length} modules`);
    return kids[k] as unknown as Layer;
  }

  forward(x: Tensor): Tensor {
    const layers = this.children() as unknown as Layer[];
    let y = x;
    for (let i = 0; i < layers.length; i++) {
      // A layer that can apply the ReLU after it itself does both as one op: one kernel, one node.
      const fused = isPlainReLU(layers[i + 1]) ? fusedRelu(layers[i], y) : undefined;
      if (fused) {
        y = fused;
        i++;
      } else y = layers[i].call(y);
    }
    return y;
  }
}

/** `layer` then relu as one op, when the layer offers it (Linear, Conv1d/2d/3d), else undefined. */
function fusedRelu(layer: Layer, x: Tensor): Tensor | undefined {
  const f = (layer as { forwardRelu?: (x: Tensor) => Tensor | undefined }).forwardRelu;
  return typeof f === 'function' ? f.call(layer, x) : undefined;
}

/** A list of modules whose parameters are registered (no forward of its own). */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: M): this {
    if (!(m instanceof Module)) throw new ValueError('ModuleList: can only hold Modules');
    this.registerModule(String(this.length), m);
    return this;
  }
  get length(): number {
    return this.namedChildren().length;
  }
  at(i: number): M {
    const kids = this.children();
    const k = i < 0 ? kids.length + i : i;
    if (!Number.isInteger(k) || k < 0 || k >= kids.length)
      throw new ValueError(`ModuleList: index ${i} is out of range for ${kids.length} modules`);
    return kids[k] as M;
  }
  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }
  forward(): never {
    throw new ValueError('ModuleList has no forward; call its modules');
  }
}

/** Modules by name (no forward of its own). */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Record<string, M> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  set(name: string, m: M): this {
    if (!(m instanceof Module)) throw new ValueError(`ModuleDict: '${name}' is not a Module`);
    this.registerModule(name, m);
    return this;
  }
  get(name: string): M | undefined {
    return this.namedChildren().find(([k]) => k === name)?.[1] as M | undefined;
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  entries(): [string, M][] {
    return this.namedChildren() as [string, M][];
  }
  forward(): never {
    throw new ValueError('ModuleDict has no forward; call its modules');
  }
}
