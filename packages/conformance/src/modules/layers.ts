import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  Dropout,
  Embedding,
  Flatten,
  GRU,
  GroupNorm,
  LayerNorm,
  Linear,
  LSTM,
  MaxPool2d,
  Module,
  PixelShuffle,
  RNN,
  Upsample,
} from '@nn/layers';
import { dispose, type InterpolateMode, interpolate, isTensor, type Tensor } from '@nn/tensor';
import type { ModuleRefCase } from './cases.js';
import { checkForwardBackward, refTensor, tensorProblems } from './check.js';

type Cfg = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: cases call modules of every signature
type AnyCallable = Module<any[], unknown>;

const num = (v: unknown): number => v as number;
const intOrTuple = (v: unknown): number | number[] => v as number | number[];
const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

const conv = (C: typeof Conv1d | typeof Conv2d | typeof Conv3d) => (c: Cfg) =>
  new C(num(c.in_channels), num(c.out_channels), intOrTuple(c.kernel_size), {
    stride: intOrTuple(c.stride),
    padding: intOrTuple(c.padding),
    dilation: intOrTuple(c.dilation),
    groups: num(c.groups),
    bias: c.bias as boolean,
  }) as unknown as AnyCallable;

const convTranspose =
  (C: typeof ConvTranspose1d | typeof ConvTranspose2d | typeof ConvTranspose3d) => (c: Cfg) =>
    new C(num(c.in_channels), num(c.out_channels), intOrTuple(c.kernel_size), {
      stride: intOrTuple(c.stride),
      padding: intOrTuple(c.padding),
      outputPadding: intOrTuple(c.output_padding),
      dilation: intOrTuple(c.dilation),
      groups: num(c.groups),
      bias: c.bias as boolean,
    }) as unknown as AnyCallable;

/** size / scale_factor / mode / align_corners of nn.Upsample and F.interpolate. */
const resampling = (c: Cfg) => ({
  size: orUndefined(c.size as number | number[] | null),
  scaleFactor: orUndefined(c.scale_factor as number | number[] | null),
  mode: c.mode as InterpolateMode,
  alignCorners: orUndefined(c.align_corners as boolean | null),
});

const rnnOptions = (c: Cfg) => ({
  numLayers: num(c.num_layers),
  bias: c.bias as boolean,
  batchFirst: c.batch_first as boolean,
  bidirectional: c.bidirectional as boolean,
});

/** A parameterless module around a function, for the functional cases of the layers category. */
class Functional extends Module {
  constructor(readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

/** PyTorch module name to ours, built from the case's constructor arguments. */
const LAYERS: Record<string, (c: Cfg) => AnyCallable> = {
  'nn.Linear': (c) =>
    new Linear(num(c.in_features), num(c.out_features), {
      bias: c.bias as boolean,
    }) as unknown as AnyCallable,
  'nn.Conv1d': conv(Conv1d),
  'nn.Conv2d': conv(Conv2d),
  'nn.Conv3d': conv(Conv3d),
  'nn.MaxPool2d': (c) =>
    new MaxPool2d(intOrTuple(c.kernel_size), {
      stride: orUndefined(c.stride as number | number[] | null),
      padding: intOrTuple(c.padding),
      dilation: intOrTuple(c.dilation),
      ceilMode: c.ceil_mode as boolean,
    }) as unknown as AnyCallable,
  'nn.AvgPool2d': (c) =>
    new AvgPool2d(intOrTuple(c.kernel_size), {
      stride: orUndefined(c.stride as number | number[] | null),
      padding: intOrTuple(c.padding),
      ceilMode: c.ceil_mode as boolean,
      countIncludePad: c.count_include_pad as boolean,
    }) as unknown as AnyCallable,
  'nn.Flatten': (c) => new Flatten(num(c.start_dim), num(c.end_dim)) as unknown as AnyCallable,
  'nn.Dropout': (c) => new Dropout(num(c.p)) as unknown as AnyCallable,
  'nn.BatchNorm1d': (c) =>
    new BatchNorm1d(num(c.num_features), {
      eps: num(c.eps),
      momentum: num(c.momentum),
      affine: c.affine as boolean,
    }) as unknown as AnyCallable,
  'nn.BatchNorm2d': (c) =>
    new BatchNorm2d(num(c.num_features), {
      eps: num(c.eps),
      momentum: num(c.momentum),
      affine: c.affine as boolean,
    }) as unknown as AnyCallable,
  'nn.LayerNorm': (c) =>
    new LayerNorm(c.normalized_shape as number[], {
      eps: num(c.eps),
      elementwiseAffine: c.elementwise_affine as boolean,
    }) as unknown as AnyCallable,
  'nn.Embedding': (c) =>
    new Embedding(num(c.num_embeddings), num(c.embedding_dim), {
      paddingIdx: c.padding_idx as number | null,
    }) as unknown as AnyCallable,
  'nn.RNN': (c) =>
    new RNN(num(c.input_size), num(c.hidden_size), {
      ...rnnOptions(c),
      nonlinearity: c.nonlinearity as 'tanh' | 'relu',
    }) as unknown as AnyCallable,
  'nn.LSTM': (c) => new LSTM(num(c.input_size), num(c.hidden_size), rnnOptions(c)) as unknown as AnyCallable,
  'nn.GRU': (c) => new GRU(num(c.input_size), num(c.hidden_size), rnnOptions(c)) as unknown as AnyCallable,
  'nn.GroupNorm': (c) =>
    new GroupNorm(num(c.num_groups), num(c.num_channels), {
      eps: num(c.eps),
      affine: c.affine as boolean,
    }) as unknown as AnyCallable,
  'nn.ConvTranspose1d': convTranspose(ConvTranspose1d),
  'nn.ConvTranspose2d': convTranspose(ConvTranspose2d),
  'nn.ConvTranspose3d': convTranspose(ConvTranspose3d),
  'nn.Upsample': (c) => new Upsample(resampling(c)) as unknown as AnyCallable,
  'nn.PixelShuffle': (c) => new PixelShuffle(num(c.upscale_factor)) as unknown as AnyCallable,
  // F.interpolate: a function, not a module; a parameterless module calls it.
  interpolate: (c) => new Functional((x) => interpolate(x, resampling(c))) as unknown as AnyCallable,
};

function callModule(c: ModuleRefCase, m: AnyCallable, t: Record<string, Tensor>): Record<string, Tensor> {
  switch (c.op) {
    case 'nn.Embedding':
      return { output: m.call(t.indices) as Tensor };
    case 'nn.LSTM': {
      const [output, [h, cc]] = m.call(t.x, t.h0 ? [t.h0, t.c0] : undefined) as [Tensor, [Tensor, Tensor]];
      return { output, h_n: h, c_n: cc };
    }
    case 'nn.RNN':
    case 'nn.GRU': {
      const [output, h] = (t.h0 ? m.call(t.x, t.h0) : m.call(t.x)) as [Tensor, Tensor];
      return { output, h_n: h };
    }
    default:
      return { output: m.call(t.x) as Tensor };
  }
}

/**
 * Loads the case's parameters and buffers into `m` with `loadStateDict` (strict: the names must
 * be PyTorch's), runs `call` in the case's mode, and compares outputs, gradients of inputs and
 * parameters, and buffers after the call. Frees everything it made.
 */
export async function runModuleCase(
  c: ModuleRefCase,
  m: AnyCallable,
  call: (m: AnyCallable, inputs: Record<string, Tensor>) => Record<string, Tensor>,
): Promise<string[]> {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries({ ...c.params, ...(c.buffers ?? {}) })) sd[k] = refTensor(v);
  const t: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs))
    t[k] = refTensor(v, { requiresGrad: v.dtype === 'float32' || v.dtype === 'float64' });
  let outputs: Record<string, Tensor> = {};
  try {
    m.loadStateDict(sd);
    m.train(c.config.training !== false);
    outputs = call(m, t);
    const gradOf: Record<string, Tensor> = { ...t, ...Object.fromEntries(m.namedParameters()) };
    const problems = await checkForwardBackward(c, outputs, gradOf);
    for (const [name, want] of Object.entries(c.buffers_after ?? {})) {
      const got = Object.fromEntries(m.namedBuffers())[name];
      problems.push(...(await tensorProblems(`buffer ${name} after`, got, want, c.tolerance)));
    }
    return problems;
  } finally {
    for (const p of m.parameters()) p.zeroGrad();
    for (const v of Object.values(t)) v.zeroGrad();
    dispose([
      ...Object.values(sd),
      ...Object.values(t),
      ...Object.values(outputs).filter(isTensor),
      ...m.parameters(),
      ...m.buffers(),
    ]);
  }
}

/** One case of the layers category through the public API of @nn/layers (or @nn/tensor's F.interpolate). */
export async function runLayerCase(c: ModuleRefCase): Promise<string[]> {
  const make = LAYERS[c.op];
  if (!make) return [`no layer mapped for ${c.op}`];
  return runModuleCase(c, make(c.config), (m, t) => callModule(c, m, t));
}
