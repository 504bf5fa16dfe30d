import {
  add,
  cast,
  cos,
  div,
  eq,
  erf as erfOf,
  exp,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  lt,
  mul,
  neg,
  pow,
  sigmoid,
  sign,
  sin,
  sub,
  type Tensor,
  tanh as tanhOf,
  where,
  zerosLike,
} from '@nn/tensor';
import { type RecordedUnaryOp, reluBackward } from '@nn/tensor/internal';
import { defineGradient } from '../registry.js';

/** y = f(x) with dx = h(x, g, params). */
function fromInput(
  op: RecordedUnaryOp,
  h: (x: Tensor, g: Tensor, params: readonly number[]) => Tensor,
): void {
  defineGradient(op, {
    saveInputs: [0],
    backward: ({ inputs: [x], attrs }, g) => [h(x, g, attrs.params)],
  });
}

/** y = f(x) with dx = h(y, g): the output is kept instead of the input. */
function fromOutput(op: RecordedUnaryOp, h: (y: Tensor, g: Tensor) => Tensor): void {
  defineGradient(op, {
    saveOutputs: [0],
    backward: ({ outputs: [y] }, g) => [h(y, g)],
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

export function registerElementwiseRules(): void {
  defineGradient('neg', { backward: (_c, g) => [neg(g)] });
  fromInput('abs', (x, g) => mul(g, sign(x)));
  for (const op of ['sign', 'floor', 'ceil', 'round'] as const) {
    defineGradient(op, { backward: (_c, g) => [zerosLike(g)] });
  }
  fromOutput('exp', (y, g) => mul(g, y));
  fromInput('log', (x, g) => div(g, x));
  fromInput('log1p', (x, g) => div(g, add(x, 1)));
  fromOutput('expm1', (y, g) => mul(g, add(y, 1)));
  fromOutput('sqrt', (y, g) => div(g, mul(y, 2)));
  fromOutput('rsqrt', (y, g) => mul(g, mul(pow(y, 3), -0.5)));
  fromOutput('reciprocal', (y, g) => neg(mul(g, mul(y, y))));
  fromInput('square', (x, g) => mul(g, mul(x, 2)));
  fromInput('sin', (x, g) => mul(g, cos(x)));
  fromInput('cos', (x, g) => neg(mul(g, sin(x))));
  fromOutput('tanh', (y, g) => mul(g, sub(1, mul(y, y))));
  fromOutput('sigmoid', (y, g) => mul(g, mul(y, sub(1, y))));
  fromInput('erf', (x, g) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
  // Kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, clamp passes the gradient at its bounds.
  fromInput('relu', (x, g) => reluBackward(x, g));
  fromInput('leakyRelu', (x, g, [slope]) => where(gt(x, 0), g, mul(g, slope)));
  defineGradient('elu', {
    saveInputs: [0],
    saveOutputs: [0],
    backward: (
      {
        inputs: [x],
        outputs: [y],
        attrs: {
          params: [alpha],
        },
      },
      g,
    ) => [where(gt(x, 0), g, mul(g, add(y, alpha)))],
  });
  fromInput('selu', (x, g) => mul(g, where(gt(x, 0), SELU_SCALE, mul(exp(x), SELU_SCALE * SELU_ALPHA))));
  fromInput('gelu', (x, g) => {
    const cdf = mul(add(erfOf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return mul(g, add(cdf, mul(x, pdf)));
  });
  fromInput('geluTanh', (x, g) => {
    const x2 = mul(x, x);
    const inner = mul(mul(x, add(mul(x2, 0.044715), 1)), SQRT_2_OVER_PI);
    const t = tanhOf(inner);
    const dInner = mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_OVER_PI);
    const left = mul(add(t, 1), 0.5);
    const right = mul(mul(mul(x, sub(1, mul(t, t))), dInner), 0.5);
    return mul(g, add(left, right));
  });
  fromInput('softplus', (x, g, [beta, threshold]) => {
    const bx = mul(x, beta);
    return where(gt(bx, threshold), g, mul(g, sigmoid(bx)));
  });
  fromInput('silu', (x, g) => {
    const s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
  });
  fromInput('clamp', (x, g, [lo, hi]) => where(logicalAnd(ge(x, lo), le(x, hi)), g, 0));
  fromInput('powScalar', (x, g, [p]) => (p === 0 ? zerosLike(g) : mul(g, mul(pow(x, p - 1), p))));
  defineGradient('cast', {
    saveInputs: [0],
    backward: ({ inputs: [x] }, g) => [cast(g, x.dtype)],
  });

  // Binary ops: broadcasting is undone by the engine, which sums each gradient to its input's shape.
  defineGradient('add', { backward: (_c, g) => [g, g] });
  defineGradient('sub', { backward: (_c, g) => [g, neg(g)] });
  defineGradient('mul', {
    saveInputs: [0, 1],
    backward: ({ inputs: [a, b], needsGrad }, g) => [
      needsGrad[0] ? mul(g, b) : null,
      needsGrad[1] ? mul(g, a) : null,
    ],
  });
  defineGradient('div', {
    saveInputs: [0, 1],
    backward: ({ inputs: [a, b], needsGrad }, g) => [
      needsGrad[0] ? div(g, b) : null,
      needsGrad[1] ? neg(div(mul(g, a), mul(b, b))) : null,
    ],
  });
  defineGradient('pow', {
    saveInputs: [0, 1],
    saveOutputs: [0],
    backward: ({ inputs: [a, b], outputs: [y], needsGrad }, g) => [
      needsGrad[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
      // PyTorch masks 0 ** b (b >= 0) to a zero exponent gradient instead of 0 * -inf.
      needsGrad[1] ? mul(g, where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(y, log(a)))) : null,
    ],
  });
  // Ties split the gradient in half, as PyTorch's maximum/minimum do.
  for (const [op, wins] of [
    ['maximum', gt],
    ['minimum', lt],
  ] as const) {
    defineGradient(op, {
      saveInputs: [0, 1],
      backward: ({ inputs: [a, b], needsGrad }, g) => {
        const half = mul(g, 0.5);
        const tie = eq(a, b);
        return [
          needsGrad[0] ? where(wins(a, b), g, where(tie, half, 0)) : null,
          needsGrad[1] ? where(wins(b, a), g, where(tie, half, 0)) : null,
        ];
      },
    });
    defineGradient(`${op}:scalar`, {
      saveInputs: [0],
      backward: ({ inputs: [x], attrs: { value } }, g) => [
        where(wins(x, value), g, where(eq(x, value), mul(g, 0.5), 0)),
      ],
    });
  }
  defineGradient('add:scalar', { backward: (_c, g) => [g] });
  defineGradient('sub:scalar', { backward: ({ attrs }, g) => [attrs.reversed ? neg(g) : g] });
  defineGradient('mul:scalar', { backward: ({ attrs }, g) => [mul(g, attrs.value)] });
  defineGradient('div:scalar', {
    saveInputs: [0],
    saveOutputs: [0],
    backward: ({ inputs: [x], outputs: [y], attrs }, g) =>
      // d(v / x)/dx = -y / x
      attrs.reversed ? [neg(div(mul(g, y), x))] : [div(g, attrs.value)],
  });
  defineGradient('pow:scalar', {
    saveInputs: [0],
    saveOutputs: [0],
    backward: ({ inputs: [x], outputs: [y], attrs: { value: v, reversed } }, g) => {
      if (!reversed) return [mul(g, mul(pow(x, v - 1), v))];
      if (v === 0) return [zerosLike(g)];
      return [mul(g, mul(y, Math.log(v)))];
    },
  });
  defineGradient('where', {
    saveInputs: [0],
    backward: ({ inputs: [cond], needsGrad }, g) => [
      null,
      needsGrad[1] ? where(cond, g, 0) : null,
      needsGrad[2] ? where(cond, 0, g) : null,
    ],
  });
}
