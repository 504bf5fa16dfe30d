/**
 * gradcheck (analytic vs central differences, in float64 where the backend has it) of every
 * differentiable op of @nn/tensor. Inputs stay away from kinks, ties and domain edges.
 */
import { gradcheck } from '@nn/autograd';
import type { Tensor } from '@nn/tensor';
import * as nn from '@nn/tensor';
import { binaryCrossEntropy, convActivation, crossEntropyIndex, linearActivation } from '@nn/tensor/internal';
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';
import { permutation, rng, sizeOf } from './oracle.js';

type Fn = (...xs: Tensor[]) => Tensor;

/** How an input's values are drawn. */
type Dist =
  | 'normal' // roughly in [-1.5, 1.5]
  | 'positive' // [0.5, 2]
  | 'awayFromZero' // |x| in [0.2, 1.5], either sign
  | 'distinct' // a shuffled grid with spacing 0.13 (no ties for max/min/sort-like ops)
  | 'fractional' // at least 0.15 from every integer and half-integer (floor/ceil/round/sign)
  | 'withZeros'; // normal, with every third value exactly 0 (products through zeros)

interface Spec {
  shape: number[];
  dist?: Dist;
}

interface Check {
  name: string;
  fn: Fn;
  inputs: Spec[];
}

function draw(spec: Spec, seed: number): number[] {
  const n = sizeOf(spec.shape);
  const r = rng(seed);
  switch (spec.dist ?? 'normal') {
    case 'normal':
      return Array.from({ length: n }, () => r() * 3 - 1.5);
    case 'positive':
      return Array.from({ length: n }, () => 0.5 + r() * 1.5);
    case 'awayFromZero':
      return Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (0.2 + r() * 1.3));
    case 'distinct': {
      const p = permutation(n, seed);
      return p.map((k) => (k - n / 2) * 0.13 + 0.01);
    }
    case 'fractional':
      return Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (Math.floor(r() * 3) + 0.15 + r() * 0.2));
    case 'withZeros':
      return Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 0 : r() * 3 - 1.5));
  }
}

/** Constants (masks, indices) live on the backend of the inputs gradcheck passes in. */
const on = (x: Tensor) => ({ backend: x.backendName });
const mask = (x: Tensor, shape: number[], seed: number): Tensor => {
  const r = rng(seed);
  return nn.tensor(
    Uint8Array.from({ length: sizeOf(shape) }, () => (r() < 0.5 ? 1 : 0)),
    { shape, dtype: 'bool', ...on(x) },
  );
};
const ints = (x: Tensor, data: number[], shape: number[]): Tensor =>
  nn.tensor(Int32Array.from(data), { shape, dtype: 'int32', ...on(x) });

const u = (name: string, fn: (x: Tensor) => Tensor, dist: Dist = 'normal', shape = [3, 4]): Check => ({
  name,
  fn: (x) => fn(x),
  inputs: [{ shape, dist }],
});
const b = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, sa: Spec, sb: Spec): Check => ({
  name,
  fn: (x, y) => fn(x, y),
  inputs: [sa, sb],
});
const N = (...shape: number[]): Spec => ({ shape, dist: 'normal' });
const P = (...shape: number[]): Spec => ({ shape, dist: 'positive' });
const Z = (...shape: number[]): Spec => ({ shape, dist: 'awayFromZero' });
const D = (...shape: number[]): Spec => ({ shape, dist: 'distinct' });

const ELEMENTWISE: Check[] = [
  b('add', nn.add, N(3, 4), N(3, 4)),
  b('add broadcast', nn.add, N(2, 3, 4), N(3, 1)),
  b('add alpha', (x, y) => nn.add(x, y, { alpha: -0.5 }), N(3, 4), N(4)),
  u('add scalar', (x) => nn.add(x, 2.5)),
  b('sub broadcast', nn.sub, N(3, 1), N(1, 4)),
  b('sub alpha', (x, y) => nn.sub(x, y, { alpha: 2 }), N(3, 4), N(3, 4)),
  u('rsub scalar', (x) => nn.sub(1.5, x)),
  b('mul broadcast', nn.mul, N(2, 3, 4), N(4)),
  b('mul 0-d', nn.mul, N(2, 3), N()),
  u('mul scalar', (x) => nn.mul(x, -1.25)),
  b('div broadcast', nn.div, N(3, 4), Z(3, 1)),
  u('div scalar', (x) => nn.div(x, 0.75)),
  u('rdiv scalar', (x) => nn.div(1.5, x), 'awayFromZero'),
  b('pow tensor', nn.pow, P(3, 4), N(3, 4)),
  b('pow tensor broadcast', nn.pow, P(2, 3), N(3)),
  u('pow scalar 2', (x) => nn.pow(x, 2)),
  u('pow scalar 3', (x) => nn.pow(x, 3)),
  u('pow scalar -1.5', (x) => nn.pow(x, -1.5), 'positive'),
  u('pow scalar 0.5', (x) => nn.pow(x, 0.5), 'positive'),
  u('rpow scalar', (x) => nn.pow(2, x)),
  b('maximum', nn.maximum, D(3, 4), D(3, 4)),
  b('minimum broadcast', nn.minimum, D(3, 4), D(4)),
  u('neg', nn.neg),
  u('abs', nn.abs, 'awayFromZero'),
  u('sign', nn.sign, 'awayFromZero'),
  u('exp', nn.exp),
  u('log', nn.log, 'positive'),
  u('log1p', nn.log1p, 'positive'),
  u('expm1', nn.expm1),
  u('sqrt', nn.sqrt, 'positive'),
  u('rsqrt', nn.rsqrt, 'positive'),
  u('reciprocal', nn.reciprocal, 'awayFromZero'),
  u('square', nn.square),
  u('sin', nn.sin),
  u('cos', nn.cos),
  u('erf', nn.erf),
  u('floor', nn.floor, 'fractional'),
  u('ceil', nn.ceil, 'fractional'),
  u('round', nn.round, 'fractional'),
  // Values sit at least 0.05 from both bounds.
  u('clamp', (x) => nn.clamp(x, { min: -0.55, max: 0.45 }), 'distinct', [4, 5]),
  u('clampMin', (x) => nn.clampMin(x, 0.005), 'distinct', [4, 5]),
  u('clampMax', (x) => nn.clampMax(x, 0.005), 'distinct', [4, 5]),
  b('where', (x, y) => nn.where(mask(x, [3, 4], 5), x, y), N(3, 4), N(3, 4)),
  b('where broadcast', (x, y) => nn.where(mask(x, [3, 1], 6), x, y), N(1, 4), N(3, 4)),
  u('where scalar', (x) => nn.where(mask(x, [3, 4], 7), x, 0.5)),
  // Probabilities and targets strictly inside (0, 1), where PyTorch's gradient is the exact one.
  b(
    'binaryCrossEntropy (of sigmoids)',
    (x, y) => binaryCrossEntropy(nn.sigmoid(x), nn.sigmoid(y)),
    N(3, 4),
    N(3, 4),
  ),
];

const ACTIVATIONS: Check[] = [
  u('relu', nn.relu, 'awayFromZero'),
  u('leakyRelu', (x) => nn.leakyRelu(x, 0.2), 'awayFromZero'),
  u('elu', (x) => nn.elu(x, 0.7), 'awayFromZero'),
  u('selu', nn.selu, 'awayFromZero'),
  u('gelu', nn.gelu),
  u('gelu tanh', (x) => nn.gelu(x, { approximate: 'tanh' })),
  u('softplus', nn.softplus),
  u('softplus beta 2', (x) => nn.softplus(x, { beta: 2, threshold: 5 })),
  u('silu', nn.silu),
  u('sigmoid', nn.sigmoid),
  u('tanh', nn.tanh),
  u('softmax', (x) => nn.softmax(x, -1), 'normal', [2, 3, 4]),
  u('softmax dim 0', (x) => nn.softmax(x, 0), 'normal', [2, 3, 4]),
  u('logSoftmax', (x) => nn.logSoftmax(x, 1), 'normal', [2, 3, 4]),
];

const REDUCTIONS: Check[] = [
  u('sum all', (x) => nn.sum(x), 'normal', [2, 3, 4]),
  u('sum dims keepdim', (x) => nn.sum(x, { dim: [0, 2], keepdim: true }), 'normal', [2, 3, 4]),
  u('mean dim', (x) => nn.mean(x, { dim: -1 }), 'normal', [2, 3, 4]),
  u('mean all', (x) => nn.mean(x), 'normal', [2, 3, 4]),
  u('prod dim', (x) => nn.prod(x, { dim: 1 }), 'awayFromZero', [2, 3, 4]),
  u('amax dims', (x) => nn.amax(x, { dim: [0, 2] }), 'distinct', [2, 3, 4]),
  u('amin dim keepdim', (x) => nn.amin(x, { dim: 1, keepdim: true }), 'distinct', [2, 3, 4]),
  u('max all', (x) => nn.max(x), 'distinct', [2, 3, 4]),
  u('min all', (x) => nn.min(x), 'distinct', [2, 3, 4]),
  u('max dim values', (x) => nn.max(x, { dim: 1 }).values, 'distinct', [2, 3, 4]),
  u('min dim values keepdim', (x) => nn.min(x, { dim: -1, keepdim: true }).values, 'distinct', [2, 3, 4]),
  u('var all', (x) => nn.variance(x), 'normal', [3, 4]),
  u(
    'var dims biased keepdim',
    (x) => nn.variance(x, { dim: [0, 2], unbiased: false, keepdim: true }),
    'normal',
    [2, 3, 4],
  ),
  u('std dim', (x) => nn.std(x, { dim: 1 }), 'normal', [2, 3, 4]),
  u('std all', (x) => nn.std(x), 'normal', [3, 4]),
  u('logsumexp dim', (x) => nn.logsumexp(x, { dim: 1 }), 'normal', [2, 3, 4]),
  u('logsumexp dims keepdim', (x) => nn.logsumexp(x, { dim: [0, 2], keepdim: true }), 'normal', [2, 3, 4]),
  u('norm 2', (x) => nn.norm(x), 'awayFromZero', [3, 4]),
  u('norm 1 dim', (x) => nn.norm(x, { p: 1, dim: 1 }), 'awayFromZero', [3, 4]),
  u('norm 3 dim keepdim', (x) => nn.norm(x, { p: 3, dim: 0, keepdim: true }), 'awayFromZero', [3, 4]),
  u('norm inf', (x) => nn.norm(x, { p: Number.POSITIVE_INFINITY }), 'distinct', [3, 4]),
  u('cumsum dim 1', (x) => nn.cumsum(x, 1), 'normal', [2, 5, 3]),
  u('cumsum last dim', (x) => nn.cumsum(x, -1), 'normal', [3, 6]),
  u('cumprod dim 0', (x) => nn.cumprod(x, 0), 'awayFromZero', [4, 3]),
  u('cumprod through zeros', (x) => nn.cumprod(x, -1), 'withZeros', [2, 6]),
  u('sort values', (x) => nn.sort(x, 1).values, 'distinct', [2, 5, 3]),
  u('sort descending values', (x) => nn.sort(x, { dim: -1, descending: true }).values, 'distinct', [3, 4]),
  u('topk values', (x) => nn.topk(x, 2, 1).values, 'distinct', [3, 5]),
  u('topk smallest values', (x) => nn.topk(x, 3, { dim: 0, largest: false }).values, 'distinct', [4, 3]),
];

const SHAPE: Check[] = [
  u('reshape', (x) => nn.reshape(x, [4, -1]), 'normal', [2, 3, 4]),
  u('view', (x) => nn.view(x, [6, 4]), 'normal', [2, 3, 4]),
  u('reshape of a transpose (copy)', (x) => nn.reshape(nn.transpose(x, 0, 1), [-1]), 'normal', [3, 4]),
  u('transpose', (x) => nn.transpose(x, 0, 2), 'normal', [2, 3, 4]),
  u('t', (x) => nn.t(x)),
  u('permute', (x) => nn.permute(x, [2, 0, 1]), 'normal', [2, 3, 4]),
  u('squeeze', (x) => nn.squeeze(x, 1), 'normal', [3, 1, 4]),
  u('unsqueeze', (x) => nn.unsqueeze(x, -1)),
  u('expand', (x) => nn.expand(x, [2, 3, 4]), 'normal', [3, 1]),
  u('flatten', (x) => nn.flatten(x, 1), 'normal', [2, 3, 4]),
  u('unflatten', (x) => nn.unflatten(x, 1, [2, 2])),
  u('contiguous of a permute', (x) => nn.contiguous(nn.permute(x, [1, 0]))),
  {
    name: 'cat',
    fn: (x, y, z) => nn.cat([x, y, z], 1),
    inputs: [N(2, 1, 3), N(2, 2, 3), N(2, 3, 3)],
  },
  { name: 'stack', fn: (x, y) => nn.stack([x, y], -1), inputs: [N(3, 4), N(3, 4)] },
  u('split (second piece)', (x) => nn.split(x, [1, 3], 1)[1]),
  u('chunk (last piece)', (x) => nn.chunk(x, 3, 1)[2], 'normal', [2, 5]),
  u(
    'index with steps',
    (x) => x.index({ start: 1, stop: null, step: 2 }, '...', { start: null, stop: -1, step: 2 }),
    'normal',
    [4, 3, 5],
  ),
  u(
    'index select int and new axis',
    (x) => x.index(1, null, { start: -3, stop: null, step: null }),
    'normal',
    [3, 4],
  ),
  u('narrow', (x) => nn.narrow(x, 1, 1, 2)),
  u('select', (x) => nn.select(x, 0, -1)),
  u('gather', (x) => nn.gather(x, 1, ints(x, [0, 2, 2, 1, 0, 3, 3, 3, 1], [3, 3])), 'normal', [3, 4]),
  u('indexSelect (repeated rows)', (x) => nn.indexSelect(x, 0, ints(x, [2, 0, 2], [3]))),
  u('indexSelect dim 1', (x) => nn.indexSelect(x, 1, ints(x, [3, 1], [2]))),
  u('flip', (x) => nn.flip(x, [0, 2]), 'normal', [2, 3, 4]),
  u('roll', (x) => nn.roll(x, [1, -2], [0, 2]), 'normal', [2, 3, 4]),
  u('roll flattened', (x) => nn.roll(x, 5), 'normal', [3, 4]),
  u('repeat', (x) => nn.repeat(x, [2, 1, 3]), 'normal', [2, 3]),
  u('tile', (x) => nn.tile(x, [2]), 'normal', [2, 3]),
  u('tril', (x) => nn.tril(x, -1), 'normal', [2, 4, 4]),
  u('triu', (x) => nn.triu(x, 1), 'normal', [3, 5]),
  u('maskedFill', (x) => nn.maskedFill(x, mask(x, [3, 1], 8), -2), 'normal', [3, 4]),
  b('maskedFill tensor value', (x, v) => nn.maskedFill(x, mask(x, [3, 4], 9), v), N(3, 4), N()),
  b(
    'scatterAdd (collisions, in input and src)',
    (x, s) => nn.scatterAdd(x, 1, ints(x, [0, 2, 2, 1, 0, 0], [2, 3]), s),
    N(2, 4),
    N(2, 3),
  ),
];

const MATMUL: Check[] = [
  b('matmul 2d', nn.matmul, N(3, 4), N(4, 5)),
  b('matmul batched', nn.matmul, N(2, 3, 4), N(2, 4, 2)),
  b('matmul broadcast batched', nn.matmul, N(2, 1, 3, 4), N(3, 4, 2)),
  b('matmul vec mat', nn.matmul, N(4), N(4, 3)),
  b('matmul mat vec', nn.matmul, N(3, 4), N(4)),
  b('matmul vec vec', nn.matmul, N(4), N(4)),
  b('matmul batched vec', nn.matmul, N(2, 3, 4), N(4)),
  b('matmul 2d 3d', nn.matmul, N(3, 4), N(2, 4, 2)),
  b('matmul of transposed views', (x, y) => nn.matmul(nn.t(x), y), N(4, 3), N(4, 2)),
  b('mm', nn.mm, N(3, 4), N(4, 2)),
  b('bmm', nn.bmm, N(2, 3, 4), N(2, 4, 3)),
  b('einsum attention scores', (x, y) => nn.einsum('bhqd,bhkd->bhqk', x, y), N(2, 2, 3, 4), N(2, 2, 5, 4)),
  b('einsum ellipsis', (x, y) => nn.einsum('...ij,jk->...ik', x, y), N(2, 3, 4), N(4, 2)),
  b('einsum implicit output', (x, y) => nn.einsum('ij,jk', x, y), N(3, 4), N(4, 2)),
  b('einsum dot', (x, y) => nn.einsum('i,i->', x, y), N(5), N(5)),
  u('einsum transpose and sum', (x) => nn.einsum('ijk->ki', x), 'normal', [2, 3, 4]),
  {
    name: 'einsum three operands',
    fn: (x, y, z) => nn.einsum('bi,ij,bj->b', x, y, z),
    inputs: [N(2, 3), N(3, 4), N(2, 4)],
  },
  b('outer', nn.outer, N(3), N(4)),
];

const NN: Check[] = [
  u('interpolate nearest', (x) => nn.interpolate(x, { scaleFactor: 1.7 }), 'normal', [1, 2, 5]),
  u(
    'interpolate bilinear',
    (x) => nn.interpolate(x, { size: [4, 7], mode: 'bilinear' }),
    'normal',
    [1, 2, 3, 5],
  ),
  u(
    'interpolate bilinear alignCorners',
    (x) => nn.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
    'normal',
    [2, 1, 2, 3],
  ),
  u(
    'interpolate linear downsampling',
    (x) => nn.interpolate(x, { size: 3, mode: 'linear' }),
    'normal',
    [1, 2, 7],
  ),
  {
    name: 'groupNorm',
    fn: (x, w, bias) => nn.groupNorm(x, 2, w, bias),
    inputs: [N(2, 4, 3), N(4), N(4)],
  },
  {
    name: 'convTranspose2d stride/padding/outputPadding/groups',
    fn: (x, w, bias) =>
      nn.convTranspose2d(x, w, bias, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
    inputs: [N(1, 4, 3, 3), N(4, 1, 3, 2), N(2)],
  },
  {
    name: 'convTranspose1d dilation',
    fn: (x, w) => nn.convTranspose1d(x, w, null, { dilation: 2, padding: 1 }),
    inputs: [N(2, 3, 4), N(3, 2, 3)],
  },
  u('pixelShuffle', (x) => nn.pixelShuffle(x, 2), 'normal', [1, 8, 2, 3]),
  u('pixelUnshuffle', (x) => nn.pixelUnshuffle(x, 2), 'normal', [1, 2, 4, 2]),
];

const sdpa = nn.scaledDotProductAttention;
/** An additive mask with some -inf entries but no fully masked row. */
const floatMask = (x: Tensor, shape: number[], seed: number): Tensor => {
  const r = rng(seed);
  const n = sizeOf(shape);
  const last = shape[shape.length - 1];
  const data = Array.from({ length: n }, (_, i) =>
    i % last !== 0 && r() < 0.25 ? Number.NEGATIVE_INFINITY : r() * 2 - 1,
  );
  return nn.tensor(Float64Array.from(data), { shape, dtype: x.dtype, ...on(x) });
};

const ATTENTION: Check[] = [
  { name: 'sdpa', fn: (q, k, v) => sdpa(q, k, v), inputs: [N(2, 3, 4), N(2, 5, 4), N(2, 5, 3)] },
  {
    name: 'sdpa causal, scale',
    fn: (q, k, v) => sdpa(q, k, v, { isCausal: true, scale: 0.7 }),
    inputs: [N(2, 5, 3), N(2, 4, 3), N(2, 4, 2)],
  },
  {
    name: 'sdpa bool mask broadcast, batch broadcast',
    fn: (q, k, v) => sdpa(q, k, v, { attnMask: mask(q, [2, 1, 3, 4], 11) }),
    inputs: [N(2, 2, 3, 4), N(1, 2, 4, 4), N(4, 2)],
  },
  {
    name: 'sdpa float mask',
    fn: (q, k, v) => sdpa(q, k, v, { attnMask: floatMask(q, [3, 5], 12) }),
    inputs: [N(2, 3, 2), N(2, 5, 2), N(2, 5, 2)],
  },
  {
    name: 'sdpa float mask with gradient',
    fn: (q, k, v, m) => sdpa(q, k, v, { attnMask: m }),
    inputs: [N(2, 3, 2), N(2, 4, 2), N(2, 4, 3), N(3, 4)],
  },
];

// A Linear layer's op (and a Linear followed by a ReLU, as Sequential fuses them): one node each.
const LINEAR: Check[] = [
  {
    name: 'linear',
    fn: (x, w, bias) => nn.linear(x, w, bias),
    inputs: [N(3, 4), N(5, 4), N(5)],
  },
  { name: 'linear 3d input', fn: (x, w, bias) => nn.linear(x, w, bias), inputs: [N(2, 3, 4), N(2, 4), N(2)] },
  { name: 'linear 1d input, no bias', fn: (x, w) => nn.linear(x, w), inputs: [N(4), N(3, 4)] },
  {
    name: 'linear + relu (fused)',
    fn: (x, w, bias) => linearActivation(x, w, bias, 'relu'),
    inputs: [Z(3, 4), Z(5, 4), Z(5)],
  },
  {
    name: 'conv2d + bias + relu (fused)',
    fn: (x, w, bias) => convActivation(2, x, w, bias, { padding: 1, stride: [1, 2] }, 'relu'),
    inputs: [Z(2, 2, 4, 5), Z(3, 2, 3, 3), Z(3)],
  },
  {
    name: 'conv1d + bias (fused)',
    fn: (x, w, bias) => convActivation(1, x, w, bias, { dilation: 2 }, 'none'),
    inputs: [N(2, 3, 7), N(2, 3, 2), N(2)],
  },
  {
    name: 'linear + relu of a transposed weight, no bias',
    fn: (x, w) => linearActivation(x, nn.t(w), null, 'relu'),
    inputs: [Z(3, 4), Z(4, 5)],
  },
];

// Cross entropy at class indices as one op; the indices live on the logits' backend.
const LOSSES: Check[] = [
  u(
    'crossEntropy mean',
    (x) => crossEntropyIndex(x, ints(x, [2, 0, 3], [3]), -100, 'mean'),
    'normal',
    [3, 4],
  ),
  u(
    'crossEntropy none, ignored row',
    (x) => crossEntropyIndex(x, ints(x, [1, -1, 0], [3]), -1, 'none'),
    'normal',
    [3, 4],
  ),
  u('crossEntropy sum', (x) => crossEntropyIndex(x, ints(x, [4, 4], [2]), -100, 'sum'), 'normal', [2, 5]),
];

const GROUPS: [string, Check[]][] = [
  ['element-wise', ELEMENTWISE],
  ['activations', ACTIVATIONS],
  ['reductions', REDUCTIONS],
  ['shape and indexing', SHAPE],
  ['matmul', MATMUL],
  ['nn functions', NN],
  ['attention', ATTENTION],
  ['linear', LINEAR],
  ['losses', LOSSES],
];

export function registerGradcheckTests(ctx: SuiteContext): void {
  for (const [group, checks] of GROUPS) {
    describe(`gradcheck: ${group}`, () => {
      checks.forEach((check, k) => {
        it(check.name, async () => {
          const dtype = ctx.float64 ? 'float64' : 'float32';
          const inputs = check.inputs.map((spec, i) => {
            const v = draw(spec, 1000 * k + 17 * i + 3);
            const data = dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v);
            return nn.tensor(data, { shape: spec.shape, dtype, requiresGrad: true });
          });
          try {
            const r = await gradcheck(check.fn, inputs);
            expect(r.ok, `${check.name}: ${r.message} (max abs error ${r.maxAbsError})`).toBe(true);
          } finally {
            nn.dispose(inputs);
          }
        });
      });
    });
  }
}
