/**
 * Property tests of the ops that reorder, accumulate or tile values, for random shapes: rules
 * that hold for every input (sort is an ordered, stable permutation; flip∘flip = id; rolls
 * compose; the last running sum is the sum; ...), each also checked against a loop oracle.
 */

import type { Tensor } from '@nn/tensor';
import * as nn from '@nn/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeMismatch, shapeMismatch, values } from './compare.js';
import * as o from './oracle.js';

const RUNS = 30;
const TIMEOUT = 60_000;

const floatT = (x: o.Nd): Tensor =>
  nn.tensor(Float32Array.from(x.data), { shape: x.shape, dtype: 'float32' });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const shapeArb = (minRank: number, maxRank: number) =>
  fc.array(fc.integer({ min: 1, max: 5 }), { minLength: minRank, maxLength: maxRank });
/** A shape and one of its dims (possibly negative). */
const shapeAndDim = shapeArb(1, 4).chain((shape) =>
  fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), seed),
);

/** Quarter-integers in [-2, 2]: exact in float32, and ties are common (for stability). */
function tied(shape: number[], s: number): o.Nd {
  const r = o.rng(s);
  return { shape, data: Array.from({ length: o.sizeOf(shape) }, () => Math.round((r() * 4 - 2) * 4) / 4) };
}

/** The rows along `dim` of an n-d array, each as the flat positions of its entries. */
function rows(shape: readonly number[], dim: number): number[][] {
  const strides = o.stridesOf(shape);
  const out: number[][] = [];
  for (let flat = 0; flat < o.sizeOf(shape); flat++) {
    if (o.unravel(flat, shape)[dim] !== 0) continue;
    out.push(Array.from({ length: shape[dim] }, (_, j) => flat + j * strides[dim]));
  }
  return out;
}

async function exactly(got: Tensor, want: o.Nd): Promise<void> {
  expect(shapeMismatch(got.shape, want.shape)).toBeNull();
  expect(closeMismatch(await values(got), want.data, { rtol: 0, atol: 0 })).toBeNull();
}

/** Runs fn and frees every tensor it made, whatever happens. */
async function scoped(fn: (keep: <T extends Tensor>(t: T) => T) => Promise<void>): Promise<void> {
  const made: Tensor[] = [];
  try {
    await fn((t) => {
      made.push(t);
      return t;
    });
  } finally {
    nn.dispose(made);
  }
}

export function registerReorderPropertyTests(): void {
  describe('properties: sorting, reordering, running sums, tiling', () => {
    it(
      'sort is an ordered, stable permutation and topk is its head',
      async () => {
        await fc.assert(
          fc.asyncProperty(shapeAndDim, fc.boolean(), async ([shape, dim, s], descending) => {
            await scoped(async (keep) => {
              const x = tied(shape, s);
              const t = keep(floatT(x));
              const d = dim < 0 ? dim + shape.length : dim;
              const r = nn.sort(t, { dim, descending });
              keep(r.values);
              keep(r.indices);
              const v = await values(r.values);
              const idx = await values(r.indices);
              for (const row of rows(shape, d)) {
                const seen = new Set(row.map((p) => idx[p]));
                expect(seen.size, 'indices are a permutation').toBe(shape[d]);
                row.forEach((p, j) => {
                  const src = row[idx[p]];
                  expect(v[p], 'values are the input at the indices').toBe(x.data[src]);
                  if (j === 0) return;
                  const prev = row[j - 1];
                  expect(descending ? v[prev] >= v[p] : v[prev] <= v[p], 'ordered').toBe(true);
                  if (v[prev] === v[p]) expect(idx[prev] < idx[p], 'stable among ties').toBe(true);
                });
              }
              const k = Math.max(1, shape[d] - 1);
              const top = nn.topk(t, k, { dim, largest: descending });
              keep(top.values);
              keep(top.indices);
              const head = keep(nn.narrow(r.values, d, 0, k));
              expect(Array.from(await values(top.values))).toEqual(Array.from(await values(head)));
            });
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'flip twice is the identity, and flip reverses the index',
      async () => {
        await fc.assert(
          fc.asyncProperty(shapeAndDim, async ([shape, dim, s]) => {
            await scoped(async (keep) => {
              const x = tied(shape, s);
              const t = keep(floatT(x));
              const d = dim < 0 ? dim + shape.length : dim;
              const once = keep(nn.flip(t, dim));
              const want = x.data.map((_, flat) => {
                const idx = o.unravel(flat, shape);
                idx[d] = shape[d] - 1 - idx[d];
                return x.data[o.ravel(idx, shape)];
              });
              await exactly(once, { shape, data: want });
              await exactly(keep(nn.flip(once, dim)), x);
            });
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'rolls compose, a full turn is the identity, and roll moves index i to i + shift',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            shapeAndDim,
            fc.integer({ min: -7, max: 7 }),
            fc.integer({ min: -7, max: 7 }),
            async ([shape, dim, s], a, b) => {
              await scoped(async (keep) => {
                const x = tied(shape, s);
                const t = keep(floatT(x));
                const d = dim < 0 ? dim + shape.length : dim;
                const n = shape[d];
                const want = x.data.map((_, flat) => {
                  const idx = o.unravel(flat, shape);
                  idx[d] = (((idx[d] - a) % n) + n) % n;
                  return x.data[o.ravel(idx, shape)];
                });
                const ra = keep(nn.roll(t, a, dim));
                await exactly(ra, { shape, data: want });
                const both = keep(nn.roll(ra, b, dim));
                await exactly(both, { shape, data: await values(keep(nn.roll(t, a + b, dim))) });
                await exactly(keep(nn.roll(t, n, dim)), x);
              });
            },
          ),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'the last running sum is the sum, and cumsum matches a loop',
      async () => {
        await fc.assert(
          fc.asyncProperty(shapeAndDim, async ([shape, dim, s]) => {
            await scoped(async (keep) => {
              const x = tied(shape, s);
              const t = keep(floatT(x));
              const d = dim < 0 ? dim + shape.length : dim;
              const c = keep(nn.cumsum(t, dim));
              const want = [...x.data];
              for (const row of rows(shape, d))
                for (let j = 1; j < row.length; j++) want[row[j]] += want[row[j - 1]];
              await exactly(c, { shape, data: want });
              const last = keep(nn.select(c, d, shape[d] - 1));
              const total = keep(nn.sum(t, { dim: d }));
              await exactly(last, { shape: [...total.shape], data: await values(total) });
            });
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'repeat tiles: out[i] = x[i mod shape], and tril + triu(k + 1) = x',
      async () => {
        const arb = shapeArb(1, 3).chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.array(fc.integer({ min: 1, max: 3 }), {
              minLength: shape.length,
              maxLength: shape.length + 1,
            }),
            fc.integer({ min: -3, max: 3 }),
            seed,
          ),
        );
        await fc.assert(
          fc.asyncProperty(arb, async ([shape, reps, k, s]) => {
            await scoped(async (keep) => {
              const x = tied(shape, s);
              const t = keep(floatT(x));
              const full = [...new Array<number>(reps.length - shape.length).fill(1), ...shape];
              const outShape = full.map((v, i) => v * reps[i]);
              const want = Array.from({ length: o.sizeOf(outShape) }, (_, flat) => {
                const idx = o.unravel(flat, outShape).map((v, i) => v % full[i]);
                return x.data[o.ravel(idx.slice(reps.length - shape.length), shape)];
              });
              await exactly(keep(nn.repeat(t, reps)), { shape: outShape, data: want });
              if (shape.length < 2) return;
              const sumT = keep(nn.add(keep(nn.tril(t, k)), keep(nn.triu(t, k + 1))));
              await exactly(sumT, x);
            });
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  });
}
