import type { Probe } from '@nn/tensor';
import {
  AutogradError,
  add,
  type BackwardOptions,
  fmtShape,
  isFloat,
  keep,
  onesLike,
  ShapeError,
  shapesEqual,
  type Tensor,
  tidy,
  withGradMode,
} from '@nn/tensor';
import { type GradEngine, getGradEngine, OPS, type OpName, setGradEngine } from '@nn/tensor/internal';
import { type Edge, Node } from './node.js';
import { getGradient, type StoredRule } from './registry.js';
import { registerBuiltinRules } from './rules/index.js';
import { sumToShape } from './rules/util.js';

function edgeOf(t: Tensor): Edge {
  if (!t.requiresGrad) return null;
  const fn = t.gradFn;
  if (fn instanceof Node) return { kind: 'node', node: fn, index: fn.outputIds.indexOf(t.id) };
  return { kind: 'leaf', tensor: t };
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

/** Adds g into a leaf's `.grad`, keeping the result out of every tidy scope. */
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.isDisposed) return;
  let grad = (g.dtype === leaf.dtype ? g : g.to(leaf.dtype)).contiguous();
  if (grad === g) grad = g.detach();
  if (leaf.grad === null) {
    leaf.grad = keep(grad);
    return;
  }
  const old = leaf.grad;
  leaf.grad = keep(add(old, grad));
  old.dispose();
}

/** Nodes reachable from root, each after every node that feeds gradient into it. */
function topoOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
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
  return order.reverse();
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
  const rootNode = root.gradFn instanceof Node ? root.gradFn : null;
  const order = rootNode ? topoOrder(rootNode) : [];
  // Refuse before touching anything, so a failed backward changes nothing.
  const released = order.find((n) => n.released);
  if (released) {
    throw new AutogradError(
      `backward: trying to backward through the graph a second time (op '${released.name}'); its saved tensors were freed. Pass { retainGraph: true } to the first backward()`,
    );
  }
  withGradMode(false, () => {
    const seed = gradient ?? onesLike(root);
    if (!rootNode) {
      tidy(() => accumulateLeaf(root, seed));
      if (seed !== gradient) seed.dispose();
      return;
    }
    const pending = new Map<Node, (Tensor | null)[]>();
    const initial: (Tensor | null)[] = rootNode.outputIds.map(() => null);
    initial[rootNode.outputIds.indexOf(root.id)] = keep(seed === gradient ? seed.detach() : seed);
    pending.set(rootNode, initial);
    try {
      for (const node of order) {
        const grads = pending.get(node);
        pending.delete(node);
        const grad = grads?.[0];
        if (!grads || !grad) continue;
        try {
          tidy(() => {
            const saved = node.restoreSaved();
            const needsGrad = node.edges.map((e) => e !== null);
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
              if (!edge || !g0) return;
              const g = shapesEqual(g0.shape, node.inputShapes[i]) ? g0 : sumToShape(g0, node.inputShapes[i]);
              if (edge.kind === 'leaf') {
                accumulateLeaf(edge.tensor, g);
                return;
              }
              let slots = pending.get(edge.node);
              if (!slots) {
                slots = edge.node.outputIds.map(() => null);
                pending.set(edge.node, slots);
              }
              const prev = slots[edge.index];
              // A fresh tensor object per slot: rules may hand the same tensor to several inputs.
              slots[edge.index] = keep(prev ? add(prev, g) : g.detach());
              prev?.dispose();
            });
          });
        } finally {
          for (const g of grads) g?.dispose();
        }
        if (!options.retainGraph) node.freeSaved();
      }
    } finally {
      for (const gs of pending.values()) for (const g of gs) g?.dispose();
    }
  });
}

const ENGINE: GradEngine = { record, backward, instrument };

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
