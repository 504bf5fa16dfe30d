/**
 * TensorFlow.js has no attention layer (tf.layers stops at RNNs), so the pre-norm transformer
 * encoder layer and the names GPT are built here from its ops: the same computation as nn's
 * `TransformerEncoderLayer` with normFirst, relu, batch-first [N, L, E] and a causal mask.
 */
import type { Tf } from '../impls/tfjs.js';
import { mulberry32 } from '../rng.js';

type T = ReturnType<Tf['tensor']>;
type Variable = ReturnType<Tf['variable']>;

/** Uniform(-a, a) weights from a seeded generator, as a trainable variable. */
function uniformVar(tf: Tf, shape: number[], bound: number, seed: number): Variable {
  const next = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = (next() * 2 - 1) * bound;
  return tf.variable(tf.tensor(v, shape));
}

const constVar = (tf: Tf, shape: number[], value: number): Variable => tf.variable(tf.fill(shape, value));

/** The parameters of one encoder layer, PyTorch's layout (weights [out, in]). */
export interface TfEncoderLayer {
  inProjW: Variable;
  inProjB: Variable;
  outW: Variable;
  outB: Variable;
  w1: Variable;
  b1: Variable;
  w2: Variable;
  b2: Variable;
  ln1g: Variable;
  ln1b: Variable;
  ln2g: Variable;
  ln2b: Variable;
  heads: number;
}

export function tfEncoderLayer(
  tf: Tf,
  width: number,
  heads: number,
  ff: number,
  seed: number,
): TfEncoderLayer {
  const b = (fanIn: number): number => 1 / Math.sqrt(fanIn);
  return {
    inProjW: uniformVar(tf, [3 * width, width], Math.sqrt(6 / (4 * width)), seed),
    inProjB: constVar(tf, [3 * width], 0),
    outW: uniformVar(tf, [width, width], b(width), seed + 1),
    outB: constVar(tf, [width], 0),
    w1: uniformVar(tf, [ff, width], b(width), seed + 2),
    b1: uniformVar(tf, [ff], b(width), seed + 3),
    w2: uniformVar(tf, [width, ff], b(ff), seed + 4),
    b2: uniformVar(tf, [width], b(ff), seed + 5),
    ln1g: constVar(tf, [width], 1),
    ln1b: constVar(tf, [width], 0),
    ln2g: constVar(tf, [width], 1),
    ln2b: constVar(tf, [width], 0),
    heads,
  };
}

export function layerVariables(l: TfEncoderLayer): Variable[] {
  return [l.inProjW, l.inProjB, l.outW, l.outB, l.w1, l.b1, l.w2, l.b2, l.ln1g, l.ln1b, l.ln2g, l.ln2b];
}

function layerNorm(tf: Tf, x: T, g: T, b: T): T {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
}

/** x Wᵀ + b over the last dim of a [N, L, in] tensor, as one [N·L, in] product. */
function linear(tf: Tf, x: T, w: T, b: T): T {
  const [n, l, e] = x.shape;
  const y = tf.add(tf.matMul(tf.reshape(x, [n * l, e]), w, false, true), b);
  return tf.reshape(y, [n, l, w.shape[0]]);
}

/** [L, L] additive mask: -1e9 above the diagonal (a key after the query), 0 elsewhere. */
export function causalMask(tf: Tf, l: number): T {
  const v = new Float32Array(l * l);
  for (let i = 0; i < l; i++) for (let j = i + 1; j < l; j++) v[i * l + j] = -1e9;
  return tf.tensor(v, [l, l]);
}

/** One pre-norm encoder layer with causal self-attention: x [N, L, E] → [N, L, E]. */
export function encoderLayer(tf: Tf, p: TfEncoderLayer, x: T, mask: T): T {
  const [n, l, e] = x.shape;
  const h = p.heads;
  const d = e / h;
  const qkv = linear(tf, layerNorm(tf, x, p.ln1g, p.ln1b), p.inProjW, p.inProjB);
  const [q, k, v] = tf.split(qkv, 3, -1);
  const heads = (t: T): T => tf.transpose(tf.reshape(t, [n, l, h, d]), [0, 2, 1, 3]);
  const scores = tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(d)), mask);
  const mixed = tf.matMul(tf.softmax(scores, -1), heads(v));
  const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [n, l, e]);
  const y = tf.add(x, linear(tf, merged, p.outW, p.outB));
  const ff = linear(tf, tf.relu(linear(tf, layerNorm(tf, y, p.ln2g, p.ln2b), p.w1, p.b1)), p.w2, p.b2);
  return tf.add(y, ff);
}

/** The names GPT of apps/demo in TensorFlow.js ops: embeddings, layers, final norm, tied head. */
export interface TfNamesGPT {
  tokEmb: Variable;
  posEmb: Variable;
  layers: TfEncoderLayer[];
  lnfG: Variable;
  lnfB: Variable;
}

export function tfNamesGPT(
  tf: Tf,
  c: {
    vocabSize: number;
    context: number;
    layers: number;
    width: number;
    heads: number;
    feedforward: number;
  },
  seed: number,
): TfNamesGPT {
  const normal = (shape: number[], s: number): Variable =>
    tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', s));
  return {
    tokEmb: normal([c.vocabSize, c.width], seed),
    posEmb: normal([c.context, c.width], seed + 1),
    layers: Array.from({ length: c.layers }, (_, i) =>
      tfEncoderLayer(tf, c.width, c.heads, c.feedforward, seed + 10 * (i + 1)),
    ),
    lnfG: constVar(tf, [c.width], 1),
    lnfB: constVar(tf, [c.width], 0),
  };
}

export function gptVariables(m: TfNamesGPT): Variable[] {
  return [m.tokEmb, m.posEmb, ...m.layers.flatMap(layerVariables), m.lnfG, m.lnfB];
}

/**
 * Mean cross-entropy per predicted character of ids x [N, L] against targets y [N, L]
 * (-100 = nothing to predict), as nn's names model computes it.
 */
export function gptLoss(tf: Tf, m: TfNamesGPT, x: T, y: T, mask: T): T {
  const [n, l] = x.shape as [number, number];
  const [v, e] = m.tokEmb.shape as [number, number];
  let h = tf.add(tf.gather(m.tokEmb, x), tf.slice(m.posEmb, [0, 0], [l, e]));
  for (const layer of m.layers) h = encoderLayer(tf, layer, h, mask);
  const normed = tf.reshape(layerNorm(tf, h, m.lnfG, m.lnfB), [n * l, e]);
  const logits = tf.matMul(normed, m.tokEmb, false, true);
  const flat = tf.reshape(y, [n * l]);
  const keep = tf.cast(tf.greaterEqual(flat, 0), 'float32');
  const onehot = tf.oneHot(tf.maximum(flat, tf.scalar(0, 'int32')) as ReturnType<Tf['tensor1d']>, v);
  const nll = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits, -1)), -1));
  return tf.div(tf.sum(tf.mul(nll, keep)), tf.sum(keep));
}
