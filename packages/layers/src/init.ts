/**
 * Weight initialisation, PyTorch's `nn.init`: each function fills a tensor in place (its values
 * are replaced; the tensor object stays) from the seeded generator (`manualSeed`) and returns it.
 *
 * @module
 */
import {
  fmtShape,
  full,
  isTensor,
  rand,
  randn,
  type Tensor,
  tensor,
  ValueError,
  withGradMode,
} from '@nn/tensor';
import { fillRandom, takeCounters } from '@nn/tensor/internal';

/** What follows a layer, for `calculateGain` (PyTorch's names). */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** The recommended gain for a nonlinearity (PyTorch's `calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

/** fan_in and fan_out of a weight [out, in, ...kernel] (PyTorch's `_calculate_fan_in_and_fan_out`). */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    throw new ValueError(
      `init: fan in and fan out need a tensor with at least 2 dims, got ${fmtShape(t.shape)}`,
    );
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  if (!isTensor(t)) throw new ValueError('init: expected a Tensor');
  withGradMode(false, () => {
    const v = make();
    t.assign(v);
    v.dispose();
  });
  return t;
}

const opts = (t: Tensor) => ({ dtype: t.dtype, backend: t.backendName });

/** U(low, high). */
export function uniform(t: Tensor, low = 0, high = 1): Tensor {
  if (!(high >= low)) throw new ValueError(`uniform: high (${high}) must be >= low (${low})`);
  return fill(t, () => rand(t.shape, { ...opts(t), low, high }));
}

/** N(mean, std²). */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new ValueError(`normal: std must be >= 0, got ${std}`);
  return fill(t, () => randn(t.shape, { ...opts(t), mean, std }));
}

/** Fills `t` with `value` (in place, without recording a gradient); returns `t`. */
export function constant(t: Tensor, value: number): Tensor {
  return fill(t, () => full(t.shape, value, opts(t)));
}

/** Fills `t` with zeros; returns `t`. */
export const zeros = (t: Tensor): Tensor => constant(t, 0);
/** Fills `t` with ones; returns `t`. */
export const ones = (t: Tensor): Tensor => constant(t, 1);

/** Options of `xavierUniform` / `xavierNormal` (gain default 1). */
export interface XavierOptions {
  gain?: number;
}

/** U(-a, a) with a = gain · sqrt(6 / (fan_in + fan_out)) (Glorot). */
export function xavierUniform(t: Tensor, options: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const a = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a);
}

/** N(0, std²) with std = gain · sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal(t: Tensor, options: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of `kaimingUniform` / `kaimingNormal`. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** U(-b, b) with b = gain · sqrt(3 / fan) (He). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound);
}

/** N(0, (gain / sqrt(fan))²) (He). */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options));
}

/**
 * A (semi-)orthogonal matrix from the QR decomposition of a normal one, as PyTorch; dims after
 * the first are flattened. Computed on the host from the seeded generator.
 */
export function orthogonal(t: Tensor, options: { gain?: number } = {}): Tensor {
  if (t.ndim < 2)
    throw new ValueError(`orthogonal: needs a tensor with at least 2 dims, got ${fmtShape(t.shape)}`);
  const rows = t.shape[0];
  const cols = t.size / rows;
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  // A [m, n] normal matrix; Gram-Schmidt (modified) on its columns gives Q with orthonormal columns.
  const a = new Float64Array(m * n);
  const { key, counter } = takeCounters(m * n);
  fillRandom(a, { dist: 'normal', key, counter, a: 0, b: 1 }, false);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += a[i * n + j] * a[i * n + k];
      for (let i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[i * n + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < m; i++) a[i * n + j] /= norm;
  }
  const gain = options.gain ?? 1;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? a[r * n + c] : a[c * n + r]);
  }
  return fill(t, () =>
    tensor(t.dtype === 'float64' ? out : Float32Array.from(out), { ...opts(t), shape: t.shape }),
  );
}
