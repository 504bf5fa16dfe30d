/**
 * Property tests: random shapes and values against the plain-loop oracle in oracle.ts, for
 * broadcasting, reductions and views (which must share storage with their base).
 */

import {
  add,
  amax,
  dispose,
  expand,
  maximum,
  mean,
  memory,
  mul,
  permute,
  reshape,
  sum,
  type Tensor,
  tensor,
  transpose,
  where,
} from '@nn/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeMismatch, shapeMismatch, values } from './compare.js';
import * as o from './oracle.js';

const RUNS = 40;
const TIMEOUT = 60_000;

const floatT = (x: o.Nd): Tensor => tensor(Float32Array.from(x.data), { shape: x.shape, dtype: 'float32' });

async function expectMatches(got: Tensor, want: o.Nd, tol = { rtol: 1e-6, atol: 1e-6 }): Promise<void> {
  expect(shapeMismatch(got.shape, want.shape)).toBeNull();
  expect(closeMismatch(await values(got), want.data, tol)).toBeNull();
}

const dimSize = fc.integer({ min: 1, max: 4 });
const shapeArb = (minRank: number, maxRank: number) =>
  fc.array(dimSize, { minLength: minRank, maxLength: maxRank });

/** A shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
const broadcastableTo = (out: number[]) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

const broadcastOperands = (n: number) =>
  shapeArb(0, 4).chain((out) => fc.tuple(...Array.from({ length: n }, () => broadcastableTo(out))));

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function nd(shape: number[], s: number): o.Nd {
  return { shape, data: o.quarterValues(o.sizeOf(shape), s) };
}

/** A per-dim slice with a step, start/stop possibly negative or out of range (clamped like Python). */
const sliceFor = (size: number) =>
  fc.record({
    start: fc.option(fc.integer({ min: -size - 1, max: size + 1 }), { nil: null }),
    stop: fc.option(fc.integer({ min: -size - 1, max: size + 1 }), { nil: null }),
    step: fc.integer({ min: 1, max: 3 }),
  });

export function registerPropertyTests(): void {
  describe('properties: broadcasting against a loop oracle', () => {
    const binary: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number][] = [
      ['add', add, (a, b) => a + b],
      ['mul', mul, (a, b) => a * b],
      ['maximum', maximum, (a, b) => Math.max(a, b)],
    ];
    for (const [name, op, ref] of binary) {
      it(
        `${name} of random broadcast-compatible shapes`,
        async () => {
          await fc.assert(
            fc.asyncProperty(broadcastOperands(2), seed, async ([sa, sb], s) => {
              const a = nd(sa, s);
              const b = nd(sb, s + 1);
              const ta = floatT(a);
              const tb = floatT(b);
              const y = op(ta, tb);
              try {
                await expectMatches(y, o.broadcastMap([a, b], ref));
              } finally {
                dispose([ta, tb, y]);
              }
            }),
            { numRuns: RUNS },
          );
        },
        TIMEOUT,
      );
    }

    it(
      'where of random broadcast-compatible condition and operands',
      async () => {
        await fc.assert(
          fc.asyncProperty(broadcastOperands(3), seed, async ([sc, sa, sb], s) => {
            const c = nd(sc, s);
            const a = nd(sa, s + 1);
            const b = nd(sb, s + 2);
            const cond = tensor(
              Uint8Array.from(c.data, (v) => (v > 0 ? 1 : 0)),
              { shape: sc, dtype: 'bool' },
            );
            const ta = floatT(a);
            const tb = floatT(b);
            const y = where(cond, ta, tb);
            try {
              await expectMatches(
                y,
                o.broadcastMap([c, a, b], (cv, av, bv) => (cv > 0 ? av : bv)),
              );
            } finally {
              dispose([cond, ta, tb, y]);
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  });

  describe('properties: reductions against a loop oracle', () => {
    /** A shape, a set of its dims (undefined = all) and keepdim. */
    const reduction = shapeArb(1, 4).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.option(
          fc.subarray(
            shape.map((_, i) => i),
            { minLength: 1 },
          ),
          { nil: undefined },
        ),
        fc.boolean(),
        fc.boolean(),
        seed,
      ),
    );
    const ops: [
      string,
      (x: Tensor, o: { dim?: number[]; keepdim: boolean }) => Tensor,
      'sum' | 'mean' | 'max',
    ][] = [
      ['sum', sum, 'sum'],
      ['mean', mean, 'mean'],
      ['amax', amax, 'max'],
    ];
    for (const [name, op, ref] of ops) {
      it(
        `${name} over random dims, with and without keepdim`,
        async () => {
          await fc.assert(
            fc.asyncProperty(reduction, async ([shape, dims, keepdim, negative, s]) => {
              const x = nd(shape, s);
              const t = floatT(x);
              // Negative dims must mean the same as their positive counterparts.
              const asked = dims?.map((d) => (negative ? d - shape.length : d));
              const y = op(t, { dim: asked, keepdim });
              try {
                const all = shape.map((_, i) => i);
                await expectMatches(y, o.reduce(x, dims ?? all, keepdim, ref), { rtol: 1e-5, atol: 1e-5 });
              } finally {
                dispose([t, y]);
              }
            }),
            { numRuns: RUNS },
          );
        },
        TIMEOUT,
      );
    }
  });

  describe('properties: views against a loop oracle', () => {
    /** Checks values, and that the view made no new storage and reads its base's. */
    async function expectView(base: Tensor, make: () => Tensor, want: o.Nd): Promise<void> {
      const bytes = memory().numBytes;
      const v = make();
      try {
        expect(memory().numBytes, 'a view must not allocate storage').toBe(bytes);
        expect(v.storage === base.storage, 'a view must share its base storage').toBe(true);
        await expectMatches(v, want);
      } finally {
        v.dispose();
      }
    }

    it(
      'reshape (with an inferred -1) of random shapes',
      async () => {
        const arb = shapeArb(1, 4).chain((shape) =>
          fc.tuple(fc.constant(shape), seed, fc.integer({ min: -1, max: 3 })),
        );
        await fc.assert(
          fc.asyncProperty(arb, async ([shape, s, inferAt]) => {
            const x = nd(shape, s);
            const t = floatT(x);
            const target = o.permutation(shape.length, s).map((i) => shape[i]);
            const asked = target.map((d, i) => (i === inferAt ? -1 : d));
            try {
              await expectView(t, () => reshape(t, asked), { shape: target, data: x.data });
            } finally {
              t.dispose();
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'transpose and permute of random shapes',
      async () => {
        const arb = shapeArb(1, 4).chain((shape) =>
          fc.tuple(fc.constant(shape), seed, fc.nat(shape.length - 1), fc.nat(shape.length - 1)),
        );
        await fc.assert(
          fc.asyncProperty(arb, async ([shape, s, d0, d1]) => {
            const x = nd(shape, s);
            const t = floatT(x);
            const perm = o.permutation(shape.length, s + 7);
            const swap = shape.map((_, i) => i);
            [swap[d0], swap[d1]] = [swap[d1], swap[d0]];
            try {
              await expectView(t, () => permute(t, perm), o.permute(x, perm));
              await expectView(t, () => transpose(t, d0, d1), o.permute(x, swap));
            } finally {
              t.dispose();
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'slicing with steps and negative or out-of-range bounds',
      async () => {
        const arb = fc
          .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 })
          .chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map(sliceFor)), seed));
        await fc.assert(
          fc.asyncProperty(arb, async ([shape, slices, s]) => {
            const x = nd(shape, s);
            const t = floatT(x);
            try {
              await expectView(t, () => t.index(...slices), o.slice(x, slices));
            } finally {
              t.dispose();
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'expand of size-1 dims and new leading dims',
      async () => {
        const arb = shapeArb(1, 3).chain((full) =>
          fc.tuple(
            fc.constant(full),
            fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
            fc.array(dimSize, { maxLength: 2 }),
            seed,
          ),
        );
        await fc.assert(
          fc.asyncProperty(arb, async ([full, ones, lead, s]) => {
            const shape = full.map((d, i) => (ones[i] ? 1 : d));
            const x = nd(shape, s);
            const t = floatT(x);
            const target = [...lead, ...full];
            try {
              await expectView(t, () => expand(t, target), o.expand(x, target));
            } finally {
              t.dispose();
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'views of views (permute, then slice, then reshape) read the right elements',
      async () => {
        const arb = fc
          .array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 })
          .chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map(sliceFor)), seed));
        await fc.assert(
          fc.asyncProperty(arb, async ([shape, slices, s]) => {
            const x = nd(shape, s);
            const perm = o.permutation(shape.length, s);
            const permuted = o.permute(x, perm);
            const sliced = o.slice(
              permuted,
              perm.map((_, k) => slices[k]),
            );
            const t = floatT(x);
            const p = permute(t, perm);
            const v = p.index(...perm.map((_, k) => slices[k]));
            // The reshape of a non-contiguous view may copy; its values must still be right.
            const flat = reshape(v, [-1]);
            try {
              await expectMatches(v, sliced);
              await expectMatches(flat, { shape: [sliced.data.length], data: sliced.data });
            } finally {
              dispose([t, p, v, flat]);
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it('a view keeps its storage alive after its base is disposed', async () => {
      const x = nd([3, 4], 11);
      const t = floatT(x);
      const v = transpose(t, 0, 1);
      t.dispose();
      try {
        await expectMatches(v, o.permute(x, [1, 0]));
      } finally {
        v.dispose();
      }
    });
  });
}
