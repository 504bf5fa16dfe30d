import type { Probe } from '@nn/tensor';
import {
  AutogradError,
  add,
  type BackwardOptions,
  fmtShape,
  isFloat,
  isGradEnabled,
  keep,
  onesLike,
  ShapeError,
  shapesEqual,
  Tensor,
  tidy,
  ValueError,
  withGradMode,
  zerosLike,
} from '@nn/tensor';
import { type GradEngine, getGradEngine, OPS, type OpName, setGradEngine, track } from '@nn/tensor/internal';
import { type Edge, Node } from './node.js';
import { getGradient, type StoredRule } from './registry.js';
import { registerBuiltinRules } from './rules/index.js';
import { sumToShape } from './rules/util.js';

// Tensors that take another's place in the graph: saved tensors restored under `createGraph`, and
// the fresh tensor objects the engine hands around for gradients that have a graph.
const aliases = new WeakMap<Tensor, NonNullable<Edge>>();

function edgeOf(t: Tensor): Edge {
  if (!t.requiresGrad) return null;
  const alias = aliases.get(t);
  if (alias) return alias;
  const fn = t.gradFn;
  if (fn instanceof Node) return { kind: 'node', node: fn, index: fn.outputIds.indexOf(t.id) };
  return { kind: 'leaf', tensor: t };
}

/** Makes `v` stand for `e` in the graph: ops on v send their gradient where e leads. */
function connect(v: Tensor, e: NonNullable<Edge>): void {
  if (e.kind === 'node') {
    e.node.retain();
    v._setGradFn(e.node);
  } else {
    v.requiresGrad = true;
  }
  aliases.set(v, e);
}

/**
 * A new tensor object over t's data: in t's place in the graph while a graph is being recorded
 * (a backward pass under `createGraph`), else cut from it.
 */
function aliasOf(t: Tensor): Tensor {
  const v = t.detach();
  const e = isGradEnabled() ? edgeOf(t) : null;
  if (e) connect(v, e);
  return v;
}

function record(op: OpName, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: object): void {
  if (OPS[op] === 'nonDifferentiable') return;
  const rule = getGradient(op);
  const savedInputs = inputs.map((t, i) => (rule.saveInputs?.includes(i) ? t.save() : null));
  const savedOutputs = outputs.map((t, i) => (rule.saveOutputs?.includes(i) ? t.save() : null));
  const node = new Node(
    op,
    rule,
    inputs.map(edgeOf),
    inputs.map((t) => t.shape),
    savedInputs,
    savedOutputs,
    outputs.map((t) => t.id),
    attrs,
  );
  // Only the first output is differentiable (the others, such as maxDim's indices, are integers).
  const y = outputs[0];
  if (isFloat(y.dtype)) {
    node.retain();
    y._setGradFn(node);
  }
  if (node.refs === 0) node.release();
}

type RunRule = (
  rule: StoredRule,
  ctx: Parameters<StoredRule['backward']>[0],
  grad: Tensor,
) => readonly (Tensor | null)[];

const runPlain: RunRule = (rule, ctx, grad) => rule.backward(ctx, grad);

// Swapped for a timed version by the profiler only (see `instrument`), so backward does no extra work.
let runRule: RunRule = runPlain;

function instrument(probe: Probe | null): void {
  runRule = probe
    ? (rule, ctx, grad) => {
        // A rule's own time is op dispatch: the profiler counts it as frontend.
        probe.enter('frontend');
        try {
          return rule.backward(ctx, grad);
        } finally {
          probe.exit();
        }
      }
    : runPlain;
}

/** One gradient per tensor, summed as they arrive; each kept out of every tidy scope. */
class GradSums {
  readonly sums = new Map<Tensor, Tensor>();
  add(t: Tensor, g: Tensor): void {
    let grad = (g.dtype === t.dtype ? g : g.to(t.dtype)).contiguous();
    if (grad === g) grad = aliasOf(g);
    const old = this.sums.get(t);
    this.sums.set(t, keep(old ? add(old, grad) : grad));
    old?.dispose();
  }
  disposeAll(): void {
    for (const g of this.sums.values()) g.dispose();
    this.sums.clear();
  }
}

/** Adds g into a leaf's `.grad`, keeping the result out of every tidy scope. */
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.isDisposed) return;
  let grad = (g.dtype === leaf.dtype ? g : g.to(leaf.dtype)).contiguous();
  if (grad === g) grad = aliasOf(g);
  if (leaf.grad === null) {
    leaf.grad = keep(grad);
    return;
  }
  const old = leaf.grad;
  leaf.grad = keep(add(old, grad));
  old.dispose();
}

/** Nodes reachable from the roots, each after every node that feeds gradient into it. */
function topoOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    const stack: [Node, number][] = [[root, 0]];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.edges.length) {
        top[1]++;
        const e = node.edges[i];
        if (e?.kind === 'node' && !seen.has(e.node)) {
          seen.add(e.node);
          stack.push([e.node, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order.reverse();
}

/** Where the reverse pass delivers the gradients that reach the ends it looks for. */
interface Sink {
  /** Takes the gradient arriving at a leaf. */
  leaf(t: Tensor, g: Tensor): void;
  /** Takes the gradient of a node's outputs before the node runs (grad() of a non-leaf input). */
  node?(node: Node, grads: readonly (Tensor | null)[]): void;
  /**
   * Only these edges carry gradient (all when absent): into `leaves`, and into `nodes`, whose rules
   * run, and `targets`, whose gradient is only taken by `node`.
   */
  needed?: { leaves: ReadonlySet<Tensor>; nodes: ReadonlySet<Node>; targets: ReadonlySet<Node> };
}

interface Seeded {
  readonly root: Tensor;
  /** The gradient of root (owned by the pass: it is disposed at the end). */
  readonly seed: Tensor;
}

function refuseReleased(order: readonly Node[]): void {
  const released = order.find((n) => n.released);
  if (released) {
    throw new AutogradError(
      `backward: trying to backward through the graph a second time (op '${released.name}'); its saved tensors were freed. Pass { retainGraph: true } to the first backward()`,
    );
  }
}

/** The saved tensors of a node; under createGraph, each in its place in the graph. */
function restore(node: Node, createGraph: boolean): ReturnType<Node['restoreSaved']> {
  const saved = node.restoreSaved();
  if (!createGraph) return saved;
  saved.inputs.forEach((t, i) => {
    const e = node.edges[i];
    if (t && e) connect(t, e);
  });
  const y = saved.outputs[0];
  if (y && isFloat(y.dtype)) connect(y, { kind: 'node', node, index: 0 });
  return saved;
}

/**
 * The reverse pass from `seeded` through the nodes of `order`, grad mode on when the pass is to be
 * recorded. Takes ownership of the seeds.
 */
function reversePass(
  seeded: readonly Seeded[],
  order: readonly Node[],
  sink: Sink,
  options: BackwardOptions,
): void {
  const createGraph = options.createGraph ?? false;
  const retain = options.retainGraph ?? createGraph;
  const needed = sink.needed;
  const isNeeded = (e: Edge): boolean =>
    e !== null &&
    (!needed ||
      (e.kind === 'leaf'
        ? needed.leaves.has(e.tensor)
        : needed.nodes.has(e.node) || needed.targets.has(e.node)));
  withGradMode(createGraph, () => {
    const pending = new Map<Node, (Tensor | null)[]>();
    try {
      for (const { root, seed } of seeded) {
        const e = edgeOf(root);
        if (e?.kind === 'leaf') {
          if (isNeeded(e)) tidy(() => sink.leaf(e.tensor, seed));
          continue;
        }
        if (e?.kind !== 'node') continue;
        let slots = pending.get(e.node);
        if (!slots) {
          slots = e.node.outputIds.map(() => null);
          pending.set(e.node, slots);
        }
        const prev = slots[e.index];
        slots[e.index] = keep(prev ? add(prev, seed) : aliasOf(seed));
        prev?.dispose();
      }
      for (const node of order) {
        const grads = pending.get(node);
        pending.delete(node);
        if (!grads) continue;
        try {
          if (sink.node) tidy(() => sink.node?.(node, grads));
          const grad = grads[0];
          if (!grad || (needed && !needed.nodes.has(node))) continue;
          tidy(() => {
            const saved = restore(node, createGraph);
            const needsGrad = node.edges.map(isNeeded);
            const inGrads = runRule(
              node.rule,
              {
                inputs: saved.inputs,
                outputs: saved.outputs,
                inputShapes: node.inputShapes,
                attrs: node.attrs,
                needsGrad,
              },
              grad,
            );
            node.edges.forEach((edge, i) => {
              const g0 = inGrads[i];
              if (!edge || !g0 || !needsGrad[i]) return;
              const g = shapesEqual(g0.shape, node.inputShapes[i]) ? g0 : sumToShape(g0, node.inputShapes[i]);
              if (edge.kind === 'leaf') {
                sink.leaf(edge.tensor, g);
                return;
              }
              let slots = pending.get(edge.node);
              if (!slots) {
                slots = edge.node.outputIds.map(() => null);
                pending.set(edge.node, slots);
              }
              const prev = slots[edge.index];
              // A fresh tensor object per slot: rules may hand the same tensor to several inputs.
              slots[edge.index] = keep(prev ? add(prev, g) : aliasOf(g));
              prev?.dispose();
            });
          });
        } finally {
          for (const g of grads) g?.dispose();
        }
        if (!retain) node.freeSaved();
      }
    } finally {
      for (const gs of pending.values()) for (const g of gs) g?.dispose();
      for (const { seed } of seeded) seed.dispose();
    }
  });
}

function rootNodes(roots: readonly Tensor[]): Node[] {
  return roots.flatMap((r) => {
    const e = edgeOf(r);
    return e?.kind === 'node' ? [e.node] : [];
  });
}

function backward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void {
  if (!root.requiresGrad) {
    throw new AutogradError(
      `backward: the tensor ${fmtShape(root.shape)} does not require grad and has no grad_fn (did an input set requiresGrad?)`,
    );
  }
  if (gradient === undefined && root.size !== 1) {
    throw new AutogradError(
      `backward: a gradient can be implied only for scalar outputs; got shape ${fmtShape(root.shape)}, pass backward(gradient)`,
    );
  }
  if (gradient !== undefined && !shapesEqual(gradient.shape, root.shape)) {
    throw new ShapeError(
      `backward: gradient shape ${fmtShape(gradient.shape)} does not match output shape ${fmtShape(root.shape)}`,
    );
  }
  const order = topoOrder(rootNodes([root]));
  // Refuse before touching anything, so a failed backward changes nothing.
  refuseReleased(order);
  const seed = withGradMode(options.createGraph ?? false, () =>
    gradient ? aliasOf(gradient) : onesLike(root),
  );
  reversePass([{ root, seed: keep(seed) }], order, { leaf: accumulateLeaf }, options);
}

/** Options of `grad()`. */
export interface GradOptions extends BackwardOptions {
  /**
   * The gradient of each output (PyTorch's `grad_outputs`); may be left out for one-element
   * outputs, whose gradient is then 1.
   */
  gradOutputs?: Tensor | readonly (Tensor | null | undefined)[];
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

const asList = <T>(x: T | readonly T[]): readonly T[] => (Array.isArray(x) ? x : [x as T]);

/**
 * The gradients of `outputs` with respect to `inputs` (PyTorch's `torch.autograd.grad`): returned,
 * not accumulated into any `.grad`. With `createGraph` the returned gradients have a graph of
 * their own, so they can be differentiated again; the graph of `outputs` is then kept
 * (`retainGraph` defaults to `createGraph`).
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const y = x.pow(3).sum();
 * const [dx] = grad(y, x, { createGraph: true }); // 3x²
 * const [ddx] = grad(dx.sum(), x);                 // 6x
 * console.log(await ddx.format()); // tensor([ 6., 12., 18.])
 * ```
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions & { allowUnused: true },
): (Tensor | null)[];
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options?: GradOptions,
): Tensor[];
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = asList(outputs);
  const ins = asList(inputs);
  if (outs.length === 0) throw new ValueError('grad: expected at least one output tensor');
  if (ins.length === 0) throw new ValueError('grad: expected at least one input tensor');
  if (getGradEngine() === null) {
    throw new AutogradError('grad: automatic differentiation is not installed; call installAutograd() first');
  }
  const given = options.gradOutputs === undefined ? [] : asList(options.gradOutputs);
  if (given.length > outs.length) {
    throw new ValueError(`grad: got ${given.length} gradOutputs for ${outs.length} outputs`);
  }
  outs.forEach((y, k) => {
    if (!(y instanceof Tensor)) throw new ValueError(`grad: output ${k} must be a Tensor`);
    if (!y.requiresGrad) {
      throw new AutogradError(
        `grad: output ${k} ${fmtShape(y.shape)} does not require grad and has no grad_fn (did an input set requiresGrad?)`,
      );
    }
    const g = given[k];
    if (g && !shapesEqual(g.shape, y.shape)) {
      throw new ShapeError(
        `grad: gradOutputs[${k}] shape ${fmtShape(g.shape)} does not match output ${k} shape ${fmtShape(y.shape)}`,
      );
    }
    if (!g && y.size !== 1) {
      throw new AutogradError(
        `grad: a gradient can be implied only for one-element outputs; output ${k} has shape ${fmtShape(y.shape)}, pass gradOutputs`,
      );
    }
  });
  const targets = ins.map((x, i) => {
    if (!(x instanceof Tensor)) throw new ValueError(`grad: input ${i} must be a Tensor`);
    const e = edgeOf(x);
    if (!e) throw new AutogradError(`grad: input ${i} ${fmtShape(x.shape)} does not require grad`);
    return e;
  });
  const order = topoOrder(rootNodes(outs));
  // The nodes through which some input is reached, found from the inputs' end of the graph.
  const leaves = new Set(targets.flatMap((e) => (e.kind === 'leaf' ? [e.tensor] : [])));
  const targetNodes = new Set(targets.flatMap((e) => (e.kind === 'node' ? [e.node] : [])));
  const nodes = new Set<Node>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const leads = (e: Edge) =>
      e !== null && (e.kind === 'leaf' ? leaves.has(e.tensor) : nodes.has(e.node) || targetNodes.has(e.node));
    if (n.edges.some(leads)) nodes.add(n);
  }
  const rootEdges = outs.map(edgeOf);
  ins.forEach((x, i) => {
    const e = targets[i];
    const reached =
      rootEdges.some((r) => r !== null && sameEdge(r, e)) ||
      order.some((n) => n.edges.some((ne) => ne !== null && sameEdge(ne, e)));
    if (!reached && !options.allowUnused) {
      throw new AutogradError(
        `grad: input ${i} ${fmtShape(x.shape)} was not used to compute the outputs; pass { allowUnused: true } to get null for it`,
      );
    }
  });
  refuseReleased(order.filter((n) => nodes.has(n)));

  const sums = new GradSums();
  // A non-leaf input takes the gradient of its node's output slot, summed before that node runs.
  const atNodes = new Map<Node, Tensor[]>();
  for (const [i, e] of targets.entries()) {
    if (e.kind !== 'node') continue;
    const list = atNodes.get(e.node) ?? [];
    list.push(ins[i]);
    atNodes.set(e.node, list);
  }
  const sink: Sink = {
    leaf: (t, g) => {
      if (leaves.has(t)) sums.add(t, g);
    },
    node: (node, grads) => {
      for (const x of atNodes.get(node) ?? []) {
        const e = targets[ins.indexOf(x)];
        const g = e.kind === 'node' ? grads[e.index] : null;
        if (g) sums.add(x, g);
      }
    },
    needed: { leaves, nodes, targets: targetNodes },
  };
  const seeded: Seeded[] = withGradMode(options.createGraph ?? false, () =>
    outs.map((root, k) => {
      const g = given[k];
      return { root, seed: keep(g ? aliasOf(g) : onesLike(root)) };
    }),
  );
  try {
    reversePass(seeded, order, sink, options);
  } catch (err) {
    sums.disposeAll();
    throw err;
  }
  // Sums are keyed by the leaf (an input may be an alias of one) or by the non-leaf input itself.
  const result = ins.map((x, i) => {
    const e = targets[i];
    const g = sums.sums.get(e.kind === 'leaf' ? e.tensor : x);
    if (g) {
      track(g);
      return g;
    }
    return options.allowUnused ? null : zerosLike(x);
  });
  sums.sums.clear();
  return result;
}

function sameEdge(a: NonNullable<Edge>, b: NonNullable<Edge>): boolean {
  if (a.kind === 'leaf') return b.kind === 'leaf' && a.tensor === b.tensor;
  return b.kind === 'node' && a.node === b.node && a.index === b.index;
}

/** An identity view takes its source's place in the graph (no node, nothing to run backward). */
function alias(source: Tensor, view: Tensor): void {
  const e = edgeOf(source);
  if (e) connect(view, e);
}

const ENGINE: GradEngine = { record, backward, alias, instrument };

/**
 * Turns on automatic differentiation for every tensor op (idempotent).
 *
 * @example
 * ```ts
 * installAutograd();
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * console.log(await x.grad!.format()); // tensor([2., 4., 6.])
 * ```
 */
export function installAutograd(): void {
  if (getGradEngine() !== ENGINE) {
    registerBuiltinRules();
    setGradEngine(ENGINE);
  }
}

/**
 * Runs fn without recording gradients (PyTorch's `torch.no_grad()`).
 *
 * @example
 * ```ts
 * const preds = noGrad(() => model.call(x)); // no graph recorded
 * console.log(preds.requiresGrad); // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
