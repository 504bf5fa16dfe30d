/**
 * How each PyTorch op of the reference cases maps onto the public API of @nn/tensor. A case whose
 * op is not in this table fails (it is never skipped): a missing entry is missing coverage.
 */
import {
  abs,
  add,
  argmax,
  argmin,
  argsort,
  bmm,
  cat,
  chunk,
  clamp,
  cumprod,
  cumsum,
  div,
  einsum,
  elu,
  exp,
  expand,
  flatten,
  flip,
  gather,
  gelu,
  type IndexItem,
  indexSelect,
  leakyRelu,
  log,
  logSoftmax,
  logsumexp,
  maskedFill,
  matmul,
  maximum,
  mean,
  minimum,
  mm,
  mul,
  neg,
  outer,
  permute,
  pow,
  relu,
  repeat,
  reshape,
  roll,
  scaledDotProductAttention,
  selu,
  sigmoid,
  silu,
  softmax,
  softplus,
  sort,
  split,
  sqrt,
  squeeze,
  stack,
  std,
  sub,
  sum,
  type Tensor,
  tanh,
  tile,
  topk,
  transpose,
  tril,
  triu,
  unsqueeze,
  variance,
  view,
  where,
} from '@nn/tensor';
import type { RefCase } from './fixtures.js';

export type OpOutputs = Tensor | Record<string, Tensor>;
export type OpRunner = (x: Record<string, Tensor>, config: Record<string, unknown>, c: RefCase) => OpOutputs;

/** The case's inputs in file order (a, b, c ... or x, index). */
const args = (x: Record<string, Tensor>): Tensor[] => Object.values(x);

function num(config: Record<string, unknown>, key: string): number {
  const v = config[key];
  if (typeof v !== 'number') throw new Error(`config.${key} should be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** A number, or undefined for null/absent (PyTorch's None). */
function optNum(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  if (v === null || v === undefined) return undefined;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof v !== 'number')
    throw new Error(`config.${key} should be a number or null, got ${JSON.stringify(v)}`);
  return v;
}

function nums(config: Record<string, unknown>, key: string): number[] {
  const v = config[key];
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number')) {
    throw new Error(`config.${key} should be a list of numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/** `dim` as one number, a list, or undefined (all dims). */
function dims(config: Record<string, unknown>): number | number[] | undefined {
  const v = config.dim;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return nums(config, 'dim');
}

/** An int, a list of ints, or undefined for null/absent. */
function intsOrNone(config: Record<string, unknown>, key: string): number | number[] | undefined {
  const v = config[key];
  if (v === null || v === undefined) return undefined;
  return typeof v === 'number' ? v : nums(config, key);
}

const bool = (config: Record<string, unknown>, key: string): boolean | undefined => {
  const v = config[key];
  return typeof v === 'boolean' ? v : undefined;
};

/** True when the scalar comes first in the expression (`1.5 / a`, `1.5 - a`). */
const scalarFirst = (c: RefCase): boolean => /^\s*[-+]?[\d.]/.test(c.expr);

/** `a op b`, `a op 2.5` or `2.5 op a`, chosen by the case's config and expression. */
function binaryCase(fn: (a: Tensor | number, b: Tensor | number) => Tensor): OpRunner {
  return (x, config, c) => {
    const [a, b] = args(x);
    if (b !== undefined) return fn(a, b);
    const s = num(config, 'other');
    return scalarFirst(c) ? fn(s, a) : fn(a, s);
  };
}

function alphaCase(fn: (a: Tensor | number, b: Tensor | number, o?: { alpha?: number }) => Tensor): OpRunner {
  return (x, config, c) => {
    const [a, b] = args(x);
    if (b !== undefined) return fn(a, b, { alpha: optNum(config, 'alpha') });
    const s = num(config, 'other');
    return scalarFirst(c) ? fn(s, a) : fn(a, s);
  };
}

const unaryCase =
  (fn: (a: Tensor) => Tensor): OpRunner =>
  (x) =>
    fn(args(x)[0]);

/** Names the outputs of ops returning a list as the reference does: out0, out1, ... */
function listOutputs(list: Tensor[]): Record<string, Tensor> {
  return Object.fromEntries(list.map((t, i) => [`out${i}`, t]));
}

function extremumCase(which: 'max' | 'min'): OpRunner {
  return (x, config) => {
    const [a] = args(x);
    const dim = optNum(config, 'dim');
    if (dim === undefined) return which === 'max' ? a.max() : a.min();
    const r =
      which === 'max'
        ? a.max({ dim, keepdim: bool(config, 'keepdim') })
        : a.min({ dim, keepdim: bool(config, 'keepdim') });
    return { values: r.values, indices: r.indices };
  };
}

function varCase(fn: typeof variance): OpRunner {
  return (x, config) =>
    fn(args(x)[0], {
      dim: dims(config),
      keepdim: bool(config, 'keepdim'),
      unbiased: bool(config, 'unbiased'),
    });
}

/**
 * F.scaled_dot_product_attention. A float mask is an input of the case, so it arrives needing a
 * gradient; unless the case asks for that gradient it is detached, which lets the backend's fused
 * kernel run (a mask that needs a gradient takes the composite).
 */
const sdpaCase: OpRunner = (x, config) => {
  const { query, key, value, attn_mask } = x;
  const detach = attn_mask?.requiresGrad === true && config.attn_mask_requires_grad !== true;
  const mask = detach ? attn_mask.detach() : (attn_mask ?? null);
  const out = scaledDotProductAttention(query, key, value, {
    attnMask: mask,
    isCausal: bool(config, 'is_causal'),
    scale: optNum(config, 'scale'),
    dropoutP: optNum(config, 'dropout_p'),
  });
  if (detach) mask?.dispose();
  return out;
};

/** The table, keyed by the case's `op` (PyTorch's name). */
export const OPS: Readonly<Record<string, OpRunner>> = {
  // attention (generated cases, fixtures/sdpa)
  scaled_dot_product_attention: sdpaCase,

  // element-wise
  add: alphaCase(add),
  sub: alphaCase(sub),
  rsub: (x, config) => sub(num(config, 'other'), args(x)[0]),
  mul: binaryCase(mul),
  div: binaryCase(div),
  maximum: binaryCase(maximum),
  minimum: binaryCase(minimum),
  pow: (x, config) => {
    const [a, b] = args(x);
    if (b !== undefined) return pow(a, b);
    if (config.self !== undefined) return pow(num(config, 'self'), a);
    return pow(a, num(config, 'exponent'));
  },
  exp: unaryCase(exp),
  log: unaryCase(log),
  sqrt: unaryCase(sqrt),
  abs: unaryCase(abs),
  neg: unaryCase(neg),
  clamp: (x, config) => clamp(args(x)[0], { min: optNum(config, 'min'), max: optNum(config, 'max') }),
  where: (x) => {
    const [cond, a, b] = args(x);
    return where(cond, a, b);
  },
  masked_fill: (x, config) => {
    const [a, mask] = args(x);
    return maskedFill(a, mask, num(config, 'value'));
  },

  // activations
  relu: unaryCase(relu),
  leaky_relu: (x, config) => leakyRelu(args(x)[0], optNum(config, 'negative_slope')),
  elu: (x, config) => elu(args(x)[0], optNum(config, 'alpha')),
  selu: unaryCase(selu),
  gelu: (x, config) => {
    const approximate = config.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new Error(`unknown gelu approximate ${String(approximate)}`);
    return gelu(args(x)[0], { approximate });
  },
  sigmoid: unaryCase(sigmoid),
  tanh: unaryCase(tanh),
  silu: unaryCase(silu),
  softplus: (x, config) =>
    softplus(args(x)[0], { beta: optNum(config, 'beta'), threshold: optNum(config, 'threshold') }),
  softmax: (x, config) => {
    const [a, mask] = args(x);
    if (config.masked_fill_value === undefined) return softmax(a, num(config, 'dim'));
    // F.softmax(x.masked_fill(mask, value), dim): the masked scores of attention.
    const fill = optNum(config, 'masked_fill_value') as number;
    const masked = maskedFill(a, mask, fill);
    const y = softmax(masked, num(config, 'dim'));
    masked.dispose();
    return y;
  },
  log_softmax: (x, config) => logSoftmax(args(x)[0], num(config, 'dim')),

  // reductions
  sum: (x, config) => sum(args(x)[0], { dim: dims(config), keepdim: bool(config, 'keepdim') }),
  mean: (x, config) => mean(args(x)[0], { dim: dims(config), keepdim: bool(config, 'keepdim') }),
  max: extremumCase('max'),
  min: extremumCase('min'),
  var: varCase(variance),
  std: varCase(std),
  logsumexp: (x, config) => logsumexp(args(x)[0], { dim: dims(config), keepdim: bool(config, 'keepdim') }),
  argmax: (x, config) => argmax(args(x)[0], { dim: optNum(config, 'dim'), keepdim: bool(config, 'keepdim') }),
  argmin: (x, config) => argmin(args(x)[0], { dim: optNum(config, 'dim'), keepdim: bool(config, 'keepdim') }),
  cumsum: (x, config) => cumsum(args(x)[0], num(config, 'dim')),
  cumprod: (x, config) => cumprod(args(x)[0], num(config, 'dim')),
  topk: (x, config) => {
    const r = topk(args(x)[0], num(config, 'k'), {
      dim: num(config, 'dim'),
      largest: bool(config, 'largest'),
      sorted: bool(config, 'sorted'),
    });
    return { values: r.values, indices: r.indices };
  },
  sort: (x, config) => {
    const r = sort(args(x)[0], {
      dim: num(config, 'dim'),
      descending: bool(config, 'descending'),
      stable: bool(config, 'stable'),
    });
    return { values: r.values, indices: r.indices };
  },
  argsort: (x, config) =>
    argsort(args(x)[0], { dim: num(config, 'dim'), descending: bool(config, 'descending') }),

  // shape
  reshape: (x, config) => reshape(args(x)[0], nums(config, 'shape')),
  view: (x, config) => view(args(x)[0], nums(config, 'shape')),
  transpose: (x, config) => transpose(args(x)[0], num(config, 'dim0'), num(config, 'dim1')),
  permute: (x, config) => permute(args(x)[0], nums(config, 'dims')),
  squeeze: (x, config) => squeeze(args(x)[0], dims(config)),
  unsqueeze: (x, config) => unsqueeze(args(x)[0], num(config, 'dim')),
  cat: (x, config) => cat(args(x), num(config, 'dim')),
  stack: (x, config) => stack(args(x), num(config, 'dim')),
  expand: (x, config) => expand(args(x)[0], nums(config, 'size')),
  flatten: (x, config) => flatten(args(x)[0], num(config, 'start_dim'), num(config, 'end_dim')),
  split: (x, config) => {
    const s = config.split_size_or_sections;
    const sizes = typeof s === 'number' ? s : nums(config, 'split_size_or_sections');
    return listOutputs(split(args(x)[0], sizes, num(config, 'dim')));
  },
  chunk: (x, config) => listOutputs(chunk(args(x)[0], num(config, 'chunks'), num(config, 'dim'))),
  index: (x, config) => {
    const items = config.index;
    if (!Array.isArray(items)) throw new Error(`config.index should be a list, got ${JSON.stringify(items)}`);
    return args(x)[0].index(...(items as IndexItem[]));
  },
  index_select: (x, config) => {
    const [a, idx] = args(x);
    return indexSelect(a, num(config, 'dim'), idx);
  },
  gather: (x, config) => {
    const [a, idx] = args(x);
    return gather(a, num(config, 'dim'), idx);
  },
  tril: (x, config) => tril(args(x)[0], num(config, 'diagonal')),
  triu: (x, config) => triu(args(x)[0], num(config, 'diagonal')),
  flip: (x, config) => flip(args(x)[0], nums(config, 'dims')),
  roll: (x, config) =>
    roll(args(x)[0], intsOrNone(config, 'shifts') as number | number[], intsOrNone(config, 'dims')),
  repeat: (x, config) => repeat(args(x)[0], nums(config, 'repeats')),
  tile: (x, config) => tile(args(x)[0], nums(config, 'dims')),

  // matmul
  matmul: (x) => {
    const [a, b] = args(x);
    return matmul(a, b);
  },
  mm: (x) => {
    const [a, b] = args(x);
    return mm(a, b);
  },
  bmm: (x) => {
    const [a, b] = args(x);
    return bmm(a, b);
  },
  einsum: (x, config) => {
    const equation = config.equation;
    if (typeof equation !== 'string')
      throw new Error(`config.equation should be a string, got ${JSON.stringify(equation)}`);
    return einsum(equation, ...args(x));
  },
  outer: (x) => {
    const [a, b] = args(x);
    return outer(a, b);
  },
};

/** The runner for a case; throws (so the case fails) when its op has no mapping. */
export function runnerFor(c: RefCase): OpRunner {
  const run = OPS[c.op];
  if (!run) throw new Error(`no mapping for op '${c.op}' (expr ${c.expr}) in the conformance ops table`);
  return run;
}

/**
 * Inputs as the expression uses them: `torch.argmin(-a, dim=1)` negates `a` first (the gradient
 * is still taken with respect to `a`).
 */
export function operands(c: RefCase, x: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(x)) {
    out[name] = new RegExp(`\\(\\s*-\\s*${name}\\b`).test(c.expr) ? neg(t) : t;
  }
  return out;
}
