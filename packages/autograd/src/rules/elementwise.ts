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
import { defineGradient, type GradRule } from '../registry.js';
import { param, saved } from './util.js';

type Unary = (x: Tensor, y: Tensor, g: Tensor, attrs: Readonly<Record<string, unknown>>) => Tensor;

/** A rule for y = f(x) from dx = h(x, y, g). */
function unaryRule(h: Unary, uses: { x?: boolean; y?: boolean }): GradRule {
  return {
    saveInputs: uses.x ?? false,
    saveOutputs: uses.y ?? false,
    backward: (ctx, [g]) => [h(ctx.inputs[0] as Tensor, ctx.outputs[0] as Tensor, g as Tensor, ctx.attrs)],
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const zero: Unary = (_x, _y, g) => zerosLike(g);

export function registerElementwiseRules(): void {
  defineGradient(
    'neg',
    unaryRule((_x, _y, g) => neg(g), {}),
  );
  defineGradient(
    'abs',
    unaryRule((x, _y, g) => mul(g, sign(x)), { x: true }),
  );
  for (const op of ['sign', 'floor', 'ceil', 'round']) defineGradient(op, unaryRule(zero, {}));
  defineGradient(
    'exp',
    unaryRule((_x, y, g) => mul(g, y), { y: true }),
  );
  defineGradient(
    'log',
    unaryRule((x, _y, g) => div(g, x), { x: true }),
  );
  defineGradient(
    'log1p',
    unaryRule((x, _y, g) => div(g, add(x, 1)), { x: true }),
  );
  defineGradient(
    'expm1',
    unaryRule((_x, y, g) => mul(g, add(y, 1)), { y: true }),
  );
  defineGradient(
    'sqrt',
    unaryRule((_x, y, g) => div(g, mul(y, 2)), { y: true }),
  );
  defineGradient(
    'rsqrt',
    unaryRule((_x, y, g) => mul(g, mul(pow(y, 3), -0.5)), { y: true }),
  );
  defineGradient(
    'reciprocal',
    unaryRule((_x, y, g) => neg(mul(g, mul(y, y))), { y: true }),
  );
  defineGradient(
    'square',
    unaryRule((x, _y, g) => mul(g, mul(x, 2)), { x: true }),
  );
  defineGradient(
    'sin',
    unaryRule((x, _y, g) => mul(g, cos(x)), { x: true }),
  );
  defineGradient(
    'cos',
    unaryRule((x, _y, g) => neg(mul(g, sin(x))), { x: true }),
  );
  defineGradient(
    'tanh',
    unaryRule((_x, y, g) => mul(g, sub(1, mul(y, y))), { y: true }),
  );
  defineGradient(
    'sigmoid',
    unaryRule((_x, y, g) => mul(g, mul(y, sub(1, y))), { y: true }),
  );
  defineGradient(
    'erf',
    unaryRule((x, _y, g) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))), { x: true }),
  );
  // Kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope, clamp passes the gradient at its bounds.
  defineGradient(
    'relu',
    unaryRule((x, _y, g) => where(gt(x, 0), g, 0), { x: true }),
  );
  defineGradient(
    'leakyRelu',
    unaryRule((x, _y, g, a) => where(gt(x, 0), g, mul(g, param(a, 0))), { x: true }),
  );
  defineGradient(
    'elu',
    unaryRule((x, y, g, a) => where(gt(x, 0), g, mul(g, add(y, param(a, 0)))), { x: true, y: true }),
  );
  defineGradient(
    'selu',
    unaryRule((x, _y, g) => mul(g, where(gt(x, 0), SELU_SCALE, mul(exp(x), SELU_SCALE * SELU_ALPHA))), {
      x: true,
    }),
  );
  defineGradient(
    'gelu',
    unaryRule(
      (x, _y, g) => {
        const cdf = mul(add(erfOf(mul(x, Math.SQRT1_2)), 1), 0.5);
        const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
        return mul(g, add(cdf, mul(x, pdf)));
      },
      { x: true },
    ),
  );
  defineGradient(
    'geluTanh',
    unaryRule(
      (x, _y, g) => {
        const x2 = mul(x, x);
        const inner = mul(mul(x, add(mul(x2, 0.044715), 1)), SQRT_2_OVER_PI);
        const t = tanhOf(inner);
        const dInner = mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_OVER_PI);
        const left = mul(add(t, 1), 0.5);
        const right = mul(mul(mul(x, sub(1, mul(t, t))), dInner), 0.5);
        return mul(g, add(left, right));
      },
      { x: true },
    ),
  );
  defineGradient(
    'softplus',
    unaryRule(
      (x, _y, g, a) => {
        const beta = param(a, 0);
        const bx = mul(x, beta);
        return where(gt(bx, param(a, 1)), g, mul(g, sigmoid(bx)));
      },
      { x: true },
    ),
  );
  defineGradient(
    'silu',
    unaryRule(
      (x, _y, g) => {
        const s = sigmoid(x);
        return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
      },
      { x: true },
    ),
  );
  defineGradient(
    'clamp',
    unaryRule((x, _y, g, a) => where(logicalAnd(ge(x, param(a, 0)), le(x, param(a, 1))), g, 0), { x: true }),
  );
  defineGradient(
    'powScalar',
    unaryRule(
      (x, _y, g, a) => {
        const p = param(a, 0);
        return p === 0 ? zerosLike(g) : mul(g, mul(pow(x, p - 1), p));
      },
      { x: true },
    ),
  );
  defineGradient('cast', {
    saveInputs: [0],
    backward: (ctx, [g]) => [cast(g as Tensor, (ctx.inputs[0] as Tensor).dtype)],
  });

  // Binary ops: broadcasting is undone by the engine, which sums each gradient to its input's shape.
  defineGradient('add', { backward: (_c, [g]) => [g, g] });
  defineGradient('sub', { backward: (_c, [g]) => [g, neg(g as Tensor)] });
  defineGradient('mul', {
    saveInputs: true,
    backward: (c, [g]) => [
      c.needsGrad[0] ? mul(g as Tensor, saved(c.inputs, 1)) : null,
      c.needsGrad[1] ? mul(g as Tensor, saved(c.inputs, 0)) : null,
    ],
  });
  defineGradient('div', {
    saveInputs: true,
    backward: (c, [g]) => {
      const a = saved(c.inputs, 0);
      const b = saved(c.inputs, 1);
      return [
        c.needsGrad[0] ? div(g as Tensor, b) : null,
        c.needsGrad[1] ? neg(div(mul(g as Tensor, a), mul(b, b))) : null,
      ];
    },
  });
  defineGradient('pow', {
    saveInputs: true,
    saveOutputs: true,
    backward: (c, [g]) => {
      const a = saved(c.inputs, 0);
      const b = saved(c.inputs, 1);
      const y = saved(c.outputs, 0);
      const ga = c.needsGrad[0] ? mul(g as Tensor, mul(b, pow(a, sub(b, 1)))) : null;
      // PyTorch masks 0 ** b (b >= 0) to a zero exponent gradient instead of 0 * -inf.
      const gb = c.needsGrad[1]
        ? mul(g as Tensor, where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(y, log(a))))
        : null;
      return [ga, gb];
    },
  });
  // Ties split the gradient in half, as PyTorch's maximum/minimum do.
  for (const [op, wins] of [
    ['maximum', gt],
    ['minimum', lt],
  ] as const) {
    defineGradient(op, {
      saveInputs: true,
      backward: (c, [g]) => {
        const a = saved(c.inputs, 0);
        const b = saved(c.inputs, 1);
        const half = mul(g as Tensor, 0.5);
        const tie = eq(a, b);
        return [
          c.needsGrad[0] ? where(wins(a, b), g as Tensor, where(tie, half, 0)) : null,
          c.needsGrad[1] ? where(wins(b, a), g as Tensor, where(tie, half, 0)) : null,
        ];
      },
    });
    defineGradient(`${op}:scalar`, {
      saveInputs: true,
      backward: (c, [g]) => {
        const x = saved(c.inputs, 0);
        const v = c.attrs.value as number;
        return [where(wins(x, v), g as Tensor, where(eq(x, v), mul(g as Tensor, 0.5), 0))];
      },
    });
  }
  defineGradient('add:scalar', { backward: (_c, [g]) => [g] });
  defineGradient('sub:scalar', { backward: (c, [g]) => [c.attrs.reversed ? neg(g as Tensor) : g] });
  defineGradient('mul:scalar', { backward: (c, [g]) => [mul(g as Tensor, c.attrs.value as number)] });
  defineGradient('div:scalar', {
    saveInputs: true,
    saveOutputs: true,
    backward: (c, [g]) => {
      if (!c.attrs.reversed) return [div(g as Tensor, c.attrs.value as number)];
      // d(v / x)/dx = -y / x
      return [neg(div(mul(g as Tensor, saved(c.outputs, 0)), saved(c.inputs, 0)))];
    },
  });
  defineGradient('pow:scalar', {
    saveInputs: true,
    saveOutputs: true,
    backward: (c, [g]) => {
      const v = c.attrs.value as number;
      const x = saved(c.inputs, 0);
      if (!c.attrs.reversed) return [mul(g as Tensor, mul(pow(x, v - 1), v))];
      if (v === 0) return [zerosLike(g as Tensor)];
      return [mul(g as Tensor, mul(saved(c.outputs, 0), Math.log(v)))];
    },
  });
  defineGradient('where', {
    saveInputs: [0],
    backward: (c, [g]) => {
      const cond = saved(c.inputs, 0);
      return [
        null,
        c.needsGrad[1] ? where(cond, g as Tensor, 0) : null,
        c.needsGrad[2] ? where(cond, 0, g as Tensor) : null,
      ];
    },
  });
}
