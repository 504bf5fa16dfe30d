import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  Dense,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GaussianNoise,
  GELU,
  GRU,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  LSTM,
  MaxPool1d,
  MaxPool2d,
  type Module,
  ReLU,
  RNN,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
  Unflatten,
} from '@nn/layers';
import type { Tensor } from '@nn/tensor';
import { OnnxExportError } from '../errors.js';
import { type Attribute, float, type GraphBuilder, int, ints } from './graph.js';
import { recurrent } from './recurrent.js';

/** What a converter sees of one call of a module during the trace. */
export interface Call {
  g: GraphBuilder;
  /** The module's dotted path ('' for the model itself), the base of every name it adds. */
  path: string;
  module: Module<never[], unknown>;
  /** Names of the tensor arguments (null for an argument left out). */
  inputs: (string | null)[];
  /** The arguments as given. */
  args: unknown[];
  /** What the module returned. */
  output: unknown;
}

/** Emits a module call as ONNX nodes; returns a name per tensor of the output, in `flatTensors` order. */
export type Converter = (c: Call) => string[];

type Ctor = abstract new (...args: never[]) => unknown;

const base = (c: Call) => c.path || c.module.constructor.name;
const the = (c: Call, i = 0): string => {
  const n = c.inputs[i];
  if (!n) throw new OnnxExportError(`exportOnnx: '${base(c)}' needs input ${i}`);
  return n;
};
const arg = (c: Call, i = 0) => c.args[i] as Tensor;
const one = (c: Call, op: string, attrs = {}): string[] => c.g.node(op, [the(c)], base(c), 1, attrs);
const weightName = (c: Call, name: string) => (c.path ? `${c.path}.${name}` : name);

function tupleOf(name: string, v: unknown, rank: number, fallback?: number[]): number[] {
  if (v === undefined || v === null) {
    if (fallback) return fallback;
    throw new OnnxExportError(`exportOnnx: ${name} is required`);
  }
  if (typeof v === 'number') return Array.from({ length: rank }, () => v);
  if (Array.isArray(v) && v.length === rank && v.every((x) => typeof x === 'number')) return [...v];
  throw new OnnxExportError(`exportOnnx: ${name} ${JSON.stringify(v)} cannot be expressed in ONNX`);
}

/** Runs `emit` on a batched view of an unbatched input (spatial layers take [C, ...] too). */
function batched(c: Call, spatialRank: number, emit: (x: string) => string): string[] {
  const x = arg(c);
  if (x.ndim === spatialRank + 2) return [emit(the(c))];
  const axes = c.g.int64s([0], `${base(c)}/axes`);
  const [u] = c.g.node('Unsqueeze', [the(c), axes], base(c));
  const y = emit(u);
  return c.g.node('Squeeze', [y, axes], base(c));
}

function conv(rank: number): Converter {
  return (c) => {
    const m = c.module as unknown as Conv2d;
    const k = m.kernelSize;
    const stride = tupleOf('stride', m.stride, rank);
    const dilation = tupleOf('dilation', m.dilation, rank);
    const padding =
      m.padding === ('valid' as never)
        ? Array.from({ length: rank }, () => 0)
        : m.padding === ('same' as never)
          ? null
          : tupleOf('padding', m.padding, rank);
    // PyTorch's 'same' puts the odd pixel at the end, as ONNX's SAME_UPPER.
    const pads = padding
      ? [...padding, ...padding]
      : (() => {
          const total = k.map((kk, i) => dilation[i] * (kk - 1));
          return [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
        })();
    const inputs = [null, c.g.weight(m.weight, weightName(c, 'weight'))];
    if (m.bias) inputs.push(c.g.weight(m.bias, weightName(c, 'bias')));
    return batched(c, rank, (x) => {
      inputs[0] = x;
      return c.g.node('Conv', inputs as string[], base(c), 1, {
        kernel_shape: ints(k),
        strides: ints(stride),
        pads: ints(pads),
        dilations: ints(dilation),
        group: int(m.groups),
      })[0];
    });
  };
}

function linear(c: Call, x: string): string {
  const m = c.module as unknown as Linear;
  const xt = arg(c);
  const w = c.g.weight(m.weight, weightName(c, 'weight'));
  if (xt.ndim === 2) {
    const inputs = [x, w];
    if (m.bias) inputs.push(c.g.weight(m.bias, weightName(c, 'bias')));
    return c.g.node('Gemm', inputs, base(c), 1, { transB: int(1) })[0];
  }
  // Any other rank: x · Wᵀ (+ b) over the last dim.
  const wt = c.g.derived(m.weight.t().contiguous(), `${weightName(c, 'weight')}.T`);
  const [y] = c.g.node('MatMul', [x, wt], base(c));
  if (!m.bias) return y;
  return c.g.node('Add', [y, c.g.weight(m.bias, weightName(c, 'bias'))], base(c))[0];
}

function pool(c: Call, op: 'MaxPool' | 'AveragePool', rank: number): string[] {
  const m = c.module as unknown as MaxPool2d & AvgPool2d;
  const o = m.options as {
    stride?: unknown;
    padding?: unknown;
    dilation?: unknown;
    ceilMode?: boolean;
    countIncludePad?: boolean;
    returnIndices?: boolean;
  };
  if (o.returnIndices)
    throw new OnnxExportError(
      `exportOnnx: '${base(c)}' (${c.module.constructor.name}) returns indices, which ONNX's MaxPool counts differently; export the model without returnIndices`,
    );
  const kernel = tupleOf('kernelSize', m.kernelSize, rank);
  const stride = tupleOf('stride', o.stride, rank, kernel);
  const padding = tupleOf(
    'padding',
    o.padding,
    rank,
    kernel.map(() => 0),
  );
  const attrs: Record<string, Attribute> = {
    kernel_shape: ints(kernel),
    strides: ints(stride),
    pads: ints([...padding, ...padding]),
    ceil_mode: int(o.ceilMode ? 1 : 0),
  };
  if (op === 'MaxPool')
    attrs.dilations = ints(
      tupleOf(
        'dilation',
        o.dilation,
        rank,
        kernel.map(() => 1),
      ),
    );
  else attrs.count_include_pad = int(o.countIncludePad === false ? 0 : 1);
  return batched(c, rank, (x) => c.g.node(op, [x], base(c), 1, attrs)[0]);
}

/** Row i of the averaging matrix of an adaptive pool from `n` to `out` cells (PyTorch's windows). */
function adaptiveRows(n: number, out: number): number[] {
  const m = new Array<number>(out * n).fill(0);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return m;
}

function adaptiveAvgPool(c: Call): string[] {
  const m = c.module as unknown as AdaptiveAvgPool2d;
  const [oh, ow] = tupleOf('outputSize', m.outputSize, 2);
  const x = arg(c);
  const h = x.shape[x.ndim - 2];
  const w = x.shape[x.ndim - 1];
  if (oh === 1 && ow === 1) return batched(c, 2, (v) => c.g.node('GlobalAveragePool', [v], base(c))[0]);
  // Averaging matrices as PyTorch's windows: rows (oh × h) · x · columns (w × ow).
  const rows = c.g.floats(adaptiveRows(h, oh), [oh, h], `${base(c)}/rows`);
  const colsT = adaptiveRows(w, ow);
  const cols = new Array<number>(w * ow);
  for (let i = 0; i < ow; i++) for (let j = 0; j < w; j++) cols[j * ow + i] = colsT[i * w + j];
  const colsName = c.g.floats(cols, [w, ow], `${base(c)}/cols`);
  const [r] = c.g.node('MatMul', [rows, the(c)], base(c));
  return c.g.node('MatMul', [r, colsName], base(c));
}

function batchNorm(c: Call): string[] {
  const m = c.module as unknown as BatchNorm2d;
  if (!m.runningMean || !m.runningVar)
    throw new OnnxExportError(
      `exportOnnx: '${base(c)}' (${c.module.constructor.name}) keeps no running statistics, so it normalizes with each batch's own even in eval mode; ONNX's BatchNormalization needs running statistics`,
    );
  const n = m.numFeatures;
  const scale = m.weight
    ? c.g.weight(m.weight, weightName(c, 'weight'))
    : c.g.floats(new Array(n).fill(1), [n], `${base(c)}/ones`);
  const shift = m.bias
    ? c.g.weight(m.bias, weightName(c, 'bias'))
    : c.g.floats(new Array(n).fill(0), [n], `${base(c)}/zeros`);
  const mean = c.g.weight(m.runningMean, weightName(c, 'running_mean'));
  const variance = c.g.weight(m.runningVar, weightName(c, 'running_var'));
  return c.g.node('BatchNormalization', [the(c), scale, shift, mean, variance], base(c), 1, {
    epsilon: float(m.eps),
  });
}

function layerNorm(c: Call): string[] {
  const m = c.module as unknown as LayerNorm;
  const shape = m.normalizedShape;
  const size = shape.reduce((a, b) => a * b, 1);
  const scale = m.weight
    ? c.g.weight(m.weight, weightName(c, 'weight'))
    : c.g.floats(new Array(size).fill(1), shape, `${base(c)}/ones`);
  const inputs = [the(c), scale];
  if (m.bias) inputs.push(c.g.weight(m.bias, weightName(c, 'bias')));
  return c.g.node('LayerNormalization', inputs, base(c), 1, {
    axis: int(-shape.length),
    epsilon: float(m.eps),
  });
}

function flattenLike(c: Call, outShape: readonly number[], keepLeading: number): string[] {
  // Leading dims (the batch) are copied from the input (0), so the batch stays dynamic.
  const x = arg(c);
  const lead = Array.from({ length: keepLeading }, () => 0);
  const rest = outShape.slice(keepLeading);
  const spec = [...lead, ...rest];
  // One dim may stand for "the rest": the first that is not copied, unless a copied one is 0-sized.
  if (rest.length > 0 && x.size > 0) spec[keepLeading] = -1;
  const shape = c.g.int64s(spec, `${base(c)}/shape`);
  return c.g.node('Reshape', [the(c), shape], base(c));
}

function normDim(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

function gelu(c: Call): string[] {
  const m = c.module as unknown as GELU;
  const g = c.g;
  const b = base(c);
  const x = the(c);
  const half = g.floats([0.5], [], `${b}/half`);
  const oneC = g.floats([1], [], `${b}/one`);
  let inner: string;
  if (m.approximate === 'tanh') {
    // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    const [x3] = g.node('Mul', [x, ...g.node('Mul', [x, x], b)], b);
    const [t] = g.node('Mul', [x3, g.floats([0.044715], [], `${b}/k`)], b);
    const [s] = g.node('Add', [x, t], b);
    const [u] = g.node('Mul', [s, g.floats([Math.sqrt(2 / Math.PI)], [], `${b}/c`)], b);
    [inner] = g.node('Tanh', [u], b);
  } else {
    // 0.5 x (1 + erf(x / √2))
    const [d] = g.node('Div', [x, g.floats([Math.SQRT2], [], `${b}/sqrt2`)], b);
    [inner] = g.node('Erf', [d], b);
  }
  const [p] = g.node('Add', [inner, oneC], b);
  const [q] = g.node('Mul', [x, p], b);
  return g.node('Mul', [q, half], b);
}

function softplus(c: Call): string[] {
  const m = c.module as unknown as Softplus;
  const g = c.g;
  const b = base(c);
  const x = the(c);
  // PyTorch: x where beta·x > threshold, else log(1 + exp(beta·x)) / beta.
  const z = m.beta === 1 ? x : g.node('Mul', [x, g.floats([m.beta], [], `${b}/beta`)], b)[0];
  const [sp] = g.node('Softplus', [z], b);
  const y = m.beta === 1 ? sp : g.node('Div', [sp, g.floats([m.beta], [], `${b}/beta`)], b)[0];
  const [big] = g.node('Greater', [z, g.floats([m.threshold], [], `${b}/threshold`)], b);
  return g.node('Where', [big, x, y], b);
}

// The identity layers in eval mode: their output is their input.
const passThrough: Converter = (c) => [the(c)];

/** A converter for each layer of @nn/layers that ONNX (opset 17) expresses, by exact class. */
export const CONVERTERS = new Map<Ctor, Converter>([
  [Linear, (c) => [linear(c, the(c))]],
  [
    Dense,
    (c) => {
      const y = linear(c, the(c));
      const act = (c.module as unknown as Dense).activation;
      if (!act) return [y];
      const conv = converterFor(act);
      if (!conv) throw unsupported(`${base(c)}.activation`, act);
      return conv({ ...c, path: `${base(c)}.activation`, module: act as never, inputs: [y] });
    },
  ],
  [Conv1d, conv(1)],
  [Conv2d, conv(2)],
  [Conv3d, conv(3)],
  [MaxPool1d, (c) => pool(c, 'MaxPool', 1)],
  [MaxPool2d, (c) => pool(c, 'MaxPool', 2)],
  [AvgPool2d, (c) => pool(c, 'AveragePool', 2)],
  [AdaptiveAvgPool2d, adaptiveAvgPool],
  [BatchNorm1d, batchNorm],
  [BatchNorm2d, batchNorm],
  [LayerNorm, layerNorm],
  [Dropout, passThrough],
  [GaussianNoise, passThrough],
  [Identity, passThrough],
  [
    Flatten,
    (c) => {
      const m = c.module as unknown as Flatten;
      const x = arg(c);
      const start = normDim(m.startDim, x.ndim);
      const end = normDim(m.endDim, x.ndim);
      if (end === x.ndim - 1 && start === 1)
        return c.g.node('Flatten', [the(c)], base(c), 1, { axis: int(start) });
      return flattenLike(c, (c.output as Tensor).shape, start);
    },
  ],
  [
    Unflatten,
    (c) => {
      const m = c.module as unknown as Unflatten;
      return flattenLike(c, (c.output as Tensor).shape, normDim(m.dim, arg(c).ndim));
    },
  ],
  [
    Embedding,
    (c) => {
      const m = c.module as unknown as Embedding;
      return c.g.node('Gather', [c.g.weight(m.weight, weightName(c, 'weight')), the(c)], base(c), 1, {
        axis: int(0),
      });
    },
  ],
  [RNN, recurrent],
  [LSTM, recurrent],
  [GRU, recurrent],
  [ReLU, (c) => one(c, 'Relu')],
  [LeakyReLU, (c) => one(c, 'LeakyRelu', { alpha: float((c.module as unknown as LeakyReLU).negativeSlope) })],
  [ELU, (c) => one(c, 'Elu', { alpha: float((c.module as unknown as ELU).alpha) })],
  // PyTorch's fixed SELU constants (ONNX's defaults are the same numbers in float32).
  [SELU, (c) => one(c, 'Selu', { alpha: float(1.6732632423543772), gamma: float(1.0507009873554805) })],
  [GELU, gelu],
  [Sigmoid, (c) => one(c, 'Sigmoid')],
  [Tanh, (c) => one(c, 'Tanh')],
  [SiLU, (c) => c.g.node('Mul', [the(c), ...one(c, 'Sigmoid')], base(c))],
  [Softplus, softplus],
  [Softmax, (c) => one(c, 'Softmax', { axis: int((c.module as unknown as Softmax).dim) })],
  [LogSoftmax, (c) => one(c, 'LogSoftmax', { axis: int((c.module as unknown as LogSoftmax).dim) })],
]);

/** The converter of a module's exact class (a subclass with its own forward is traced through). */
export function converterFor(m: unknown): Converter | undefined {
  return m && typeof m === 'object' ? CONVERTERS.get((m as object).constructor as Ctor) : undefined;
}

/** The typed error for a module the export cannot express. */
export function unsupported(path: string, m: unknown): OnnxExportError {
  const name = (m as object)?.constructor?.name ?? String(m);
  return new OnnxExportError(
    `exportOnnx: '${path}' (${name}) computes with tensor operations outside the layers ONNX export knows (${[...CONVERTERS.keys()].map((k) => k.name).join(', ')}); write it with those layers`,
  );
}
