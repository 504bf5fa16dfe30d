/**
 * Fuzz: random calls with random shapes, dtypes and values (NaN, ±∞, -0, empty dims included)
 * thrown at the public tensor API. Each call either returns what the cpu backend computes from
 * the same inputs, or throws a typed nn error (as the cpu backend does); a call that fails
 * leaves no tensor behind, and the backend keeps computing correctly afterwards.
 */
import { cpu } from '@nn/backend-cpu';
import * as nn from '@nn/tensor';
import { type DType, NNError, type Tensor } from '@nn/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeMismatch, values } from './compare.js';
import type { SuiteContext } from './context.js';

const RUNS = 250;
const REFERENCE = 'cpu-fuzz-reference';

interface Input {
  shape: number[];
  dtype: DType;
  data: number[];
}

/** One op of the API: how many inputs, its extra arguments, and the call. */
interface Op {
  name: string;
  inputs: number;
  args: fc.Arbitrary<unknown>;
  call(xs: Tensor[], args: unknown): unknown;
  /**
   * False where the value is left to the implementation, as in PyTorch: then only the dtype and
   * shape are compared.
   */
  defined?(inputs: Input[], args: unknown): boolean;
}

const within = (inputs: Input[], bound: number): boolean =>
  inputs.every((x) => x.data.every((v) => Number.isNaN(v) || Math.abs(v) < bound));

const anyDim = fc.integer({ min: -4, max: 3 });
const smallShape = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 });
const none = fc.constant(undefined);

const unary = (name: string, f: (x: Tensor) => Tensor): Op => ({
  name,
  inputs: 1,
  args: none,
  call: ([x]) => f(x),
});
const binary = (name: string, f: (a: Tensor, b: Tensor | number) => Tensor): Op => ({
  name,
  inputs: 2,
  args: fc.oneof(fc.constant('tensor'), fc.constant(2), fc.constant(-0.5), fc.constant(0)),
  call: ([a, b], arg) => f(a, arg === 'tensor' ? b : (arg as number)),
});
const reduction = (name: string, f: (x: Tensor, o: { dim?: number[]; keepdim: boolean }) => Tensor): Op => ({
  name,
  inputs: 1,
  args: fc.record({
    dim: fc.option(fc.array(anyDim, { maxLength: 2 }), { nil: undefined }),
    keepdim: fc.boolean(),
  }),
  call: ([x], o) => f(x, o as { dim?: number[]; keepdim: boolean }),
});

const OPS: Op[] = [
  ...(
    [
      ['neg', nn.neg],
      ['abs', nn.abs],
      ['sign', nn.sign],
      ['exp', nn.exp],
      ['log', nn.log],
      ['log1p', nn.log1p],
      ['expm1', nn.expm1],
      ['sqrt', nn.sqrt],
      ['rsqrt', nn.rsqrt],
      ['square', nn.square],
      ['reciprocal', nn.reciprocal],

      ['erf', nn.erf],
      ['floor', nn.floor],
      ['ceil', nn.ceil],
      ['round', nn.round],
      ['relu', nn.relu],
      ['sigmoid', nn.sigmoid],
      ['tanh', nn.tanh],
      ['silu', nn.silu],
      ['logicalNot', nn.logicalNot],
    ] as [string, (x: Tensor) => Tensor][]
  ).map(([name, f]) => unary(name, f)),
  {
    name: 'leakyRelu',
    inputs: 1,
    // Plain slopes: a subnormal one rounds to 0 in float32 kernels (-inf * 0 is NaN, as in PyTorch).
    args: fc.constantFrom(0, 0.01, 0.2, -0.5, 1, 2),
    call: ([x], s) => nn.leakyRelu(x, s as number),
  },
  {
    name: 'elu',
    inputs: 1,
    args: fc.constantFrom(0, 0.5, 1, 1.7),
    call: ([x], a) => nn.elu(x, a as number),
  },
  {
    name: 'gelu',
    inputs: 1,
    args: fc.constantFrom('none', 'tanh'),
    call: ([x], a) => nn.gelu(x, { approximate: a as 'none' | 'tanh' }),
  },
  {
    name: 'clamp',
    inputs: 1,
    args: fc.record({
      min: fc.option(fc.integer({ min: -3, max: 1 }), { nil: undefined }),
      max: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined }),
    }),
    call: ([x], o) => nn.clamp(x, o as { min?: number; max?: number }),
  },
  {
    name: 'powScalar',
    inputs: 1,
    args: fc.constantFrom(0, 1, 2, 3, 0.5, -1, -2.5),
    call: ([x], e) => nn.pow(x, e as number),
  },
  ...(
    [
      ['add', nn.add],
      ['sub', nn.sub],
      ['mul', nn.mul],
      ['div', nn.div],
      ['pow', nn.pow],
      ['maximum', nn.maximum],
      ['minimum', nn.minimum],
      ['eq', nn.eq],
      ['ne', nn.ne],
      ['lt', nn.lt],
      ['le', nn.le],
      ['gt', nn.gt],
      ['ge', nn.ge],
    ] as [string, (a: Tensor, b: Tensor | number) => Tensor][]
  ).map(([name, f]) => binary(name, f)),
  { name: 'logicalAnd', inputs: 2, args: none, call: ([a, b]) => nn.logicalAnd(a, b) },
  { name: 'logicalOr', inputs: 2, args: none, call: ([a, b]) => nn.logicalOr(a, b) },
  { name: 'where', inputs: 3, args: none, call: ([c, a, b]) => nn.where(c, a, b) },
  reduction('sum', (x, o) => nn.sum(x, o)),
  reduction('mean', (x, o) => nn.mean(x, o)),
  reduction('prod', (x, o) => nn.prod(x, o)),
  reduction('amax', (x, o) => nn.amax(x, o)),
  reduction('amin', (x, o) => nn.amin(x, o)),
  reduction('variance', (x, o) => nn.variance(x, o)),
  reduction('logsumexp', (x, o) => nn.logsumexp(x, o as { dim: number[] })),
  reduction('norm', (x, o) => nn.norm(x, o)),
  {
    name: 'argmax',
    inputs: 1,
    args: fc.record({ dim: anyDim, keepdim: fc.boolean() }),
    call: ([x], o) => nn.argmax(x, o as { dim: number }),
  },
  { name: 'max along a dim', inputs: 1, args: anyDim, call: ([x], d) => nn.max(x, { dim: d as number }) },
  { name: 'softmax', inputs: 1, args: anyDim, call: ([x], d) => nn.softmax(x, d as number) },
  { name: 'logSoftmax', inputs: 1, args: anyDim, call: ([x], d) => nn.logSoftmax(x, d as number) },
  { name: 'matmul', inputs: 2, args: none, call: ([a, b]) => nn.matmul(a, b) },
  {
    name: 'reshape',
    inputs: 1,
    args: fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }),
    call: ([x], s) => nn.reshape(x, s as number[]),
  },
  {
    name: 'transpose',
    inputs: 1,
    args: fc.tuple(anyDim, anyDim),
    call: ([x], [a, b]) => nn.transpose(x, a, b),
  },
  {
    name: 'permute',
    inputs: 1,
    args: fc.array(anyDim, { maxLength: 3 }),
    call: ([x], p) => nn.permute(x, p as number[]),
  },
  {
    name: 'squeeze',
    inputs: 1,
    args: fc.option(anyDim, { nil: undefined }),
    call: ([x], d) => nn.squeeze(x, d as number | undefined),
  },
  { name: 'unsqueeze', inputs: 1, args: anyDim, call: ([x], d) => nn.unsqueeze(x, d as number) },
  { name: 'expand', inputs: 1, args: smallShape, call: ([x], s) => nn.expand(x, s as number[]) },
  { name: 'flatten', inputs: 1, args: fc.tuple(anyDim, anyDim), call: ([x], [a, b]) => nn.flatten(x, a, b) },
  {
    name: 'narrow',
    inputs: 1,
    args: fc.tuple(anyDim, fc.integer({ min: -2, max: 4 }), fc.integer({ min: -1, max: 4 })),
    call: ([x], [d, s, l]) => nn.narrow(x, d, s, l),
  },
  {
    name: 'index',
    inputs: 1,
    args: fc.constantFrom(['::2'], [':', 1], ['1:'], [-1], ['...', null], [0, '::-1']),
    call: ([x], items) => nn.index(x, items as nn.IndexItem[]),
  },
  { name: 'cat', inputs: 2, args: anyDim, call: ([a, b], d) => nn.cat([a, b], d as number) },
  { name: 'stack', inputs: 2, args: anyDim, call: ([a, b], d) => nn.stack([a, b], d as number) },
  {
    name: 'cast',
    inputs: 1,
    args: fc.constantFrom<DType>('float32', 'int32', 'bool'),
    call: ([x], dt) => nn.cast(x, dt as DType),
    // A float beyond int32 has no int32 value (PyTorch leaves the conversion undefined too).
    defined: (xs, dt) => dt !== 'int32' || within(xs, 2 ** 31),
  },
  // WGSL defines sin and cos to 2^-11 only near [-pi, pi]; far out their value is the device's.
  { name: 'sin', inputs: 1, args: none, call: ([x]) => nn.sin(x), defined: (xs) => within(xs, 1e4) },
  { name: 'cos', inputs: 1, args: none, call: ([x]) => nn.cos(x), defined: (xs) => within(xs, 1e4) },
];

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e30, -1e-30, 0.5, -2.5];

function valuesFor(dtype: DType, n: number): fc.Arbitrary<number[]> {
  const one =
    dtype === 'bool'
      ? fc.constantFrom(0, 1)
      : dtype === 'int32'
        ? fc.integer({ min: -9, max: 9 })
        : fc.oneof(
            { weight: 3, arbitrary: fc.integer({ min: -6, max: 6 }).map((v) => v / 2) },
            // No subnormals: WGSL lets a GPU flush them to zero.
            {
              weight: 3,
              arbitrary: fc
                .double({ min: -8, max: 8, noNaN: true })
                .map((v) => (Math.abs(v) < 1e-30 ? 0 : Math.fround(v))),
            },
            { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
          );
  return fc.array(one, { minLength: n, maxLength: n });
}

/** A shape like `base`: the same, broadcastable to it, or unrelated. */
const relatedShape = (base: number[]): fc.Arbitrary<number[]> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(base) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 0, max: base.length }),
          fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
        )
        .map(([drop, ones]) => base.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
    },
    { weight: 1, arbitrary: smallShape },
  );

function inputArb(shape: fc.Arbitrary<number[]>, dtypes: readonly DType[]): fc.Arbitrary<Input> {
  return fc.tuple(shape, fc.constantFrom(...dtypes)).chain(([s, dtype]) =>
    valuesFor(
      dtype,
      s.reduce((a, b) => a * b, 1),
    ).map((data) => ({ shape: s, dtype, data })),
  );
}

const BY_NAME = new Map(OPS.map((op) => [op.name, op]));

/** A random call: the op by name (so a counterexample prints readably), its inputs and arguments. */
function callArb(dtypes: readonly DType[]): fc.Arbitrary<{ op: string; inputs: Input[]; args: unknown }> {
  return fc.constantFrom(...BY_NAME.keys()).chain((name) => {
    const op = BY_NAME.get(name) as Op;
    return smallShape.chain((base) =>
      fc.record({
        op: fc.constant(name),
        inputs: fc.tuple(
          ...Array.from({ length: op.inputs }, (_, i) =>
            inputArb(i === 0 ? fc.constant(base) : relatedShape(base), dtypes),
          ),
        ),
        args: op.args,
      }),
    );
  });
}

type Outcome = { error: unknown } | { tensors: Tensor[] };

/** Runs the call on one backend; every tensor it returns (also inside { values, indices }). */
function run(op: Op, inputs: Tensor[], args: unknown): Outcome {
  try {
    const out = op.call(inputs, args);
    const tensors: Tensor[] = [];
    if (nn.isTensor(out)) tensors.push(out);
    else if (out && typeof out === 'object')
      for (const v of Object.values(out)) if (nn.isTensor(v)) tensors.push(v);
    return { tensors };
  } catch (error) {
    return { error };
  }
}

const describeCall = (op: Op, inputs: Input[], args: unknown): string =>
  `${op.name}(${inputs.map((x) => `${x.dtype}[${x.shape.join(',')}]`).join(', ')}${args === undefined ? '' : `, ${JSON.stringify(args)}`})`;

export function registerFuzzTests(ctx: SuiteContext): void {
  describe('fuzz: random calls to the public tensor API', () => {
    it(`${RUNS} calls each return what the cpu backend computes or throw a typed nn error`, async () => {
      if (!nn.listBackends().includes(REFERENCE)) nn.registerBackend(cpu({ name: REFERENCE }));
      const name = ctx.backend.name;
      const dtypes = ctx.backend.dtypes.filter((d) => d !== 'float64');
      const healthy = nn.tensor([1, 2, 3]);
      // Tensors earlier tests dropped: freed now, so that a collection during a read below (or a
      // browser's own) cannot lower the counts mid-call. Where a runtime cannot collect on demand
      // (browsers) it still may later, so the end of a call checks that the count did not grow.
      await nn.collectGarbage();
      await fc.assert(
        fc.asyncProperty(callArb(dtypes), async ({ op: opName, inputs, args }) => {
          const op = BY_NAME.get(opName) as Op;
          const what = describeCall(op, inputs, args);
          const base = nn.memory().backends[name].numTensors;
          const mine = inputs.map((x) =>
            nn.tensor(Float64Array.from(x.data), { shape: x.shape, dtype: x.dtype, backend: name }),
          );
          const theirs = inputs.map((x) =>
            nn.tensor(Float64Array.from(x.data), { shape: x.shape, dtype: x.dtype, backend: REFERENCE }),
          );
          const before = nn.memory().backends[name];
          const got = run(op, mine, args);
          const want = run(op, theirs, args);
          try {
            if ('error' in want) {
              expect(got, `${what}: the cpu backend threw ${(want.error as Error).message}`).toHaveProperty(
                'error',
              );
            }
            if ('error' in got) {
              const e = got.error as Error;
              expect(e, `${what} threw an untyped ${e?.name}: ${e?.message}`).toBeInstanceOf(NNError);
              expect(want, `${what} threw ${e.message}; the cpu backend computed it`).toHaveProperty('error');
              expect(e.constructor, `${what}: the cpu backend threw another error`).toBe(
                (want as { error: Error }).error.constructor,
              );
              const after = nn.memory().backends[name];
              expect(after.numTensors, `${what}: a failed call must not leave tensors`).toBe(
                before.numTensors,
              );
              return;
            }
            const wantTensors = (want as { tensors: Tensor[] }).tensors;
            expect(got.tensors.length).toBe(wantTensors.length);
            for (const [i, t] of got.tensors.entries()) {
              const w = wantTensors[i];
              expect([t.dtype, ...t.shape], `${what}: dtype and shape`).toEqual([w.dtype, ...w.shape]);
              const tol = t.dtype === 'float32' ? { rtol: 2e-4, atol: 2e-5 } : { rtol: 0, atol: 0 };
              if (op.defined?.(inputs, args) === false) continue;
              const [gv, wv] = [await values(t), await values(w)];
              expect(
                closeMismatch(gv, wv, tol),
                `${what} got ${JSON.stringify(gv)} want ${JSON.stringify(wv)}`,
              ).toBeNull();
            }
          } finally {
            nn.dispose([
              ...mine,
              ...theirs,
              ...('tensors' in got ? got.tensors : []),
              ...('tensors' in want ? want.tensors : []),
            ]);
          }
          // Healthy: the backend still computes, and nothing of the call is left.
          const check = healthy.mul(2);
          expect(await values(check), `after ${what}`).toEqual([2, 4, 6]);
          check.dispose();
          expect(nn.memory().backends[name].numTensors, `after ${what}`).toBeLessThanOrEqual(base);
        }),
        { numRuns: RUNS, seed: 20_261_204 },
      );
      healthy.dispose();
    }, 300_000);
  });
}
