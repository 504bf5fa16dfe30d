import * as nn from '@nn/tensor';
import { BINARY_OPS, UNARY_OPS } from '@nn/tensor';
import { binary, unary } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { agree, backends, KERNELS, layouts, randValues, runOn } from './helpers.js';

beforeAll(async () => {
  await backends();
});

const PARAMS: Partial<Record<nn.UnaryOp, number[]>> = {
  leakyRelu: [0.1],
  elu: [0.7],
  softplus: [1.5, 4],
  clamp: [-1, 0.5],
  powScalar: [2.5],
};
const POSITIVE = new Set<nn.UnaryOp>(['log', 'sqrt', 'rsqrt', 'powScalar', 'log1p']);

describe('unary', () => {
  for (const op of UNARY_OPS) {
    if (op === 'logicalNot') continue;
    for (const [name, make] of Object.entries(layouts(randValues(64, 1), [4, 5]))) {
      it(`${op} float32 ${name}`, () => {
        agree(
          () => {
            const x = make();
            const input = POSITIVE.has(op) ? nn.add(nn.abs(x), 0.1) : x;
            return unary(op, input, PARAMS[op] ?? []);
          },
          2e-6,
          1e-6,
        );
      });
    }
  }
  for (const op of ['neg', 'abs', 'sign', 'square', 'relu', 'floor', 'round'] as const) {
    it(`${op} int32`, () => {
      agree(() => unary(op, nn.tensor([-3, -1, 0, 2, 7], { dtype: 'int32' })));
    });
  }
  it('round is half to even', () => {
    const [r] = runOn('wasm', () => nn.round(nn.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4])));
    expect(r.values).toEqual([0, 2, 2, -0, -2, 2]);
  });
  it('sign of NaN and -0 is 0; pow follows C at 1 and -1', () => {
    agree(() => [
      nn.sign(nn.tensor([Number.NaN, -0, 0, -2, 3])),
      nn.pow(
        nn.tensor([1, -1, -1, 2, 1]),
        nn.tensor([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 2]),
      ),
      nn.pow(nn.tensor([1, Number.NaN, 4]), 0),
    ]);
  });
  it('logicalNot', () => {
    agree(() => nn.logicalNot(nn.tensor([0, 1, 2, 0], { dtype: 'int32' })));
  });
});

describe('binary', () => {
  const shapes: [number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [3, 1],
      [1, 4],
    ],
    [
      [2, 3, 5],
      [3, 1],
    ],
    [
      [7, 9, 3],
      [7, 1, 3],
    ],
    [[], [2, 2]],
    [[33], [33]],
  ];
  for (const op of BINARY_OPS) {
    for (const [sa, sb] of shapes) {
      it(`${op} float32 ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => {
        agree(() => {
          const na = sa.reduce((x, y) => x * y, 1);
          const nb = sb.reduce((x, y) => x * y, 1);
          let a = nn.tensor(
            randValues(na, 2).map((v) => Math.round(v * 2) / 2),
            { shape: sa },
          );
          const b = nn.tensor(
            randValues(nb, 3).map((v) => Math.round(v * 2) / 2),
            { shape: sb },
          );
          if (op === 'pow') a = nn.add(nn.abs(a), 0.5);
          return binary(op, a, b);
        });
      });
    }
    it(`${op} float32 transposed and scalar operands`, () => {
      agree(() => {
        const a = nn.transpose(nn.tensor(randValues(16, 4, 0.5, 3), { shape: [4, 4] }), 0, 1);
        return [binary(op, a, 1.5), binary(op, 2, a), binary(op, a, nn.t(a))];
      });
    });
    it(`${op} int32`, () => {
      if (op === 'div' || op === 'pow') return;
      agree(() =>
        binary(
          op,
          nn.tensor(
            [
              [1, -2, 3],
              [4, 0, -7],
            ],
            { dtype: 'int32' },
          ),
          nn.tensor([2, -2, 0], { dtype: 'int32' }),
        ),
      );
    });
  }
  it('comparisons over long rows (16 lanes at a time) with scalars, broadcast rows and NaN', () => {
    agree(() => {
      const v = randValues(3 * 50, 12).map((x) => Math.round(x));
      v[5] = Number.NaN;
      v[77] = Number.NaN;
      const x = nn.tensor(v, { shape: [3, 50] });
      const row = nn.tensor(randValues(50, 13).map((x) => Math.round(x)));
      return [nn.gt(x, 0), nn.eq(x, 1), nn.ne(x, 1), nn.le(0, x), nn.lt(x, row), nn.ge(row, x)];
    });
  });
  it('NaN propagates through maximum and minimum', () => {
    agree(() => [
      nn.maximum(nn.tensor([Number.NaN, 1, 2, 3, 4, 5]), 0),
      nn.minimum(nn.tensor([1, Number.NaN, 2, 3, 4, 5]), 9),
    ]);
  });
  it('int32 mul wraps like int32', () => {
    agree(() =>
      nn.mul(nn.tensor([65536 * 3 + 7], { dtype: 'int32' }), nn.tensor([65536 * 5 + 11], { dtype: 'int32' })),
    );
  });
  it('where over long rows (scalar, broadcast and full operands)', () => {
    agree(() => {
      const x = nn.tensor(randValues(5 * 37, 8), { shape: [5, 37] });
      const c = nn.gt(x, 0);
      return [
        nn.where(c, x, 0),
        nn.where(c, 1, x),
        nn.where(nn.t(nn.gt(nn.t(x), 0.5)), nn.tensor(randValues(37, 9)), x),
      ];
    });
  });
  it('where', () => {
    agree(() => {
      const c = nn.gt(nn.tensor(randValues(12, 5), { shape: [3, 4] }), 0);
      return nn.where(
        c,
        nn.tensor(randValues(4, 6), { shape: [4] }),
        nn.tensor(randValues(3, 7), { shape: [3, 1] }),
      );
    });
  });
});

describe('reduce', () => {
  const x = randValues(2 * 3 * 4 * 5, 8);
  const dims: number[][] = [[0], [1], [3], [0, 1], [1, 2], [0, 2], [0, 1, 2, 3], [1, 3]];
  for (const op of ['sum', 'prod', 'amax', 'amin'] as const) {
    for (const dim of dims) {
      it(`${op} over ${JSON.stringify(dim)} (contiguous and permuted)`, () => {
        agree(
          () => {
            const t = nn.tensor(x, { shape: [2, 3, 4, 5] });
            const p = nn.permute(t, [0, 2, 1, 3]);
            const f = { sum: nn.sum, prod: nn.prod, amax: nn.amax, amin: nn.amin }[op];
            return [f(t, { dim }), f(p, { dim, keepdim: true })];
          },
          1e-5,
          1e-5,
        );
      });
    }
  }
  it('long rows sum accurately', () => {
    agree(() => nn.sum(nn.tensor(randValues(100003, 9, 0, 1))), 1e-6, 1e-6);
  });
  it('int32 sums and argmax/argmin (first of ties, NaN wins)', () => {
    agree(() => {
      const i = nn.tensor(
        [
          [3, 1, 3],
          [0, -2, 5],
        ],
        { dtype: 'int32' },
      );
      const f = nn.tensor([
        [1, Number.NaN, 3, 3],
        [7, 7, 0, -1],
      ]);
      return [
        nn.sum(i, { dim: 1 }),
        nn.argmax(i, { dim: 1 }),
        nn.argmin(i),
        nn.argmax(f, { dim: 1 }),
        nn.argmin(f, { dim: 0 }),
      ];
    });
  });
  it('max over an axis with NaN is NaN', () => {
    agree(() =>
      nn.amax(
        nn.tensor([
          [1, Number.NaN, 3, 4, 5, 6],
          [1, 2, 3, 4, 5, 6],
        ]),
        { dim: 1 },
      ),
    );
  });
});

// Both kernel builds (baseline SIMD, relaxed SIMD with fused multiply-add) against cpu.
for (const kernels of Object.keys(KERNELS)) {
  describe(`matmul (${kernels})`, () => {
    // Odd sizes on every axis: rows not a multiple of the 4-row tile, columns not a multiple of the
    // 8-column tile, k odd (the micro-kernel takes two k-steps per pass) and across the 256-deep
    // k block (257, 513), m across the 64/128-row A slab and n across the 1024-column B slab.
    const cases: [number, number, number][] = [
      [1, 1, 1],
      [2, 3, 4],
      [5, 7, 3],
      [33, 17, 65],
      [130, 270, 257],
      [4, 300, 1030],
      [67, 257, 9],
      [9, 513, 31],
      [131, 2, 15],
    ];
    for (const [m, k, n] of cases) {
      it(`${m}x${k} @ ${k}x${n}, plain and transposed`, () => {
        agree(
          () => {
            const a = nn.tensor(randValues(m * k, m), { shape: [m, k] });
            const b = nn.tensor(randValues(k * n, n), { shape: [k, n] });
            const at = nn.t(nn.tensor(randValues(m * k, m + 1), { shape: [k, m] }));
            const bt = nn.t(nn.tensor(randValues(k * n, n + 1), { shape: [n, k] }));
            return [nn.matmul(a, b), nn.matmul(at, bt), nn.matmul(a, bt), nn.matmul(at, b)];
          },
          1e-4,
          1e-4,
          kernels,
        );
      });
    }
    it('strided views (every other row and column, every third column) and a broadcast row', () => {
      agree(
        () => {
          const a = nn.index(nn.tensor(randValues(38 * 2 * 2 * 41, 5), { shape: [38 * 2, 2 * 41] }), [
            '::2',
            '1::2',
          ]);
          const b = nn.index(nn.tensor(randValues(41 * 3 * 27, 6), { shape: [41, 3 * 27] }), [':', '::3']);
          const row = nn.expand(nn.tensor(randValues(41, 7), { shape: [1, 41] }), [19, 41]);
          return [nn.matmul(a, b), nn.matmul(row, b)];
        },
        1e-4,
        1e-4,
        kernels,
      );
    });
    it('batched with a broadcast batch dim, vectors, and k = 0', () => {
      agree(
        () => {
          const a = nn.tensor(randValues(3 * 4 * 5, 1), { shape: [3, 4, 5] });
          const b = nn.tensor(randValues(5 * 6, 2), { shape: [5, 6] });
          const v = nn.tensor(randValues(5, 3));
          return [nn.matmul(a, b), nn.matmul(a, v), nn.matmul(nn.zeros([2, 0]), nn.zeros([0, 3]))];
        },
        1e-5,
        1e-5,
        kernels,
      );
    });
    it('float64', () => {
      agree(
        () =>
          nn.matmul(
            nn.tensor(randValues(12, 1), { shape: [3, 4], dtype: 'float64' }),
            nn.tensor(randValues(8, 2), { shape: [4, 2], dtype: 'float64' }),
          ),
        1e-12,
        1e-12,
        kernels,
      );
    });
  });
}

describe('indexing, cast, creation', () => {
  it('cat of views, gather, indexSelect, scatterAdd', () => {
    agree(() => {
      const a = nn.tensor(randValues(12, 1), { shape: [3, 4] });
      const b = nn.t(nn.tensor(randValues(8, 2), { shape: [4, 2] }));
      const idx = nn.tensor(
        [
          [0, 2, 1, 0],
          [2, 2, 0, 1],
        ],
        { dtype: 'int32' },
      );
      const sel = nn.tensor([2, 0], { dtype: 'int32' });
      return [
        nn.cat([a, b], 0),
        nn.cat([nn.t(a), nn.t(a)], 1),
        nn.gather(a, 0, idx),
        nn.indexSelect(a, 1, sel),
        nn.scatterAdd(nn.zeros([3, 4]), 0, idx, nn.ones([2, 4])),
        // Whole rows (the data-loader path), of a matrix, a 3-D tensor and a vector.
        nn.indexSelect(a, 0, nn.tensor([2, 0, 2, 1], { dtype: 'int32' })),
        nn.indexSelect(nn.reshape(nn.arange(0, 60), [5, 3, 4]), 0, nn.tensor([4, 0], { dtype: 'int32' })),
        nn.indexSelect(nn.arange(0, 6, 1, { dtype: 'float32' }), 0, sel),
        nn.indexSelect(nn.t(b), 0, nn.tensor([1, 1, 0], { dtype: 'int32' })),
        // An index read with a stride (every other element), and int32 and bool rows.
        nn.indexSelect(a, 0, nn.index(nn.tensor([2, 9, 0, 9, 1], { dtype: 'int32' }), ['::2'])),
        nn.indexSelect(nn.cast(nn.mul(a, 10), 'int32'), 0, nn.tensor([1, 2], { dtype: 'int32' })),
        nn.indexSelect(nn.cast(a, 'bool'), 0, nn.tensor([2, 0, 1], { dtype: 'int32' })),
      ];
    });
  });
  it('contiguous copies of strided float32 and int32 views', () => {
    agree(() => {
      const base = nn.tensor(randValues(4 * 6 * 5, 11), { shape: [4, 6, 5] });
      const ints = nn.cast(nn.mul(base, 10), 'int32');
      return [
        nn.contiguous(nn.permute(base, [2, 0, 1])),
        nn.contiguous(nn.index(base, ['::2', '1:5', '::3'])),
        nn.contiguous(nn.expand(nn.index(base, [':', 0, null, ':']), [4, 3, 5])),
        nn.contiguous(nn.transpose(ints, 0, 2)),
      ];
    });
  });
  it('casts between every dtype pair', () => {
    const dts = ['float32', 'float64', 'int32', 'bool'] as const;
    for (const from of dts) {
      for (const to of dts) {
        agree(() => nn.cast(nn.cast(nn.tensor([-2.7, -0.5, 0, 0.4, 3.9]), from), to));
      }
    }
  });
  it('random draws match cpu bit for bit', () => {
    const draw = () => {
      nn.manualSeed(42);
      return [nn.rand([1000]), nn.randn([257]), nn.randint(0, 10, [100])];
    };
    const want = runOn('cpu', draw);
    const got = runOn('wasm', draw);
    for (let i = 0; i < want.length; i++) expect(got[i].values).toEqual(want[i].values);
  });
  it('full, zeros, arange, eye', () => {
    agree(() => [nn.full([2, 3], 7), nn.zeros([3], { dtype: 'bool' }), nn.arange(0, 10, 3), nn.eye(3)]);
  });
});

describe('fused', () => {
  for (const dim of [0, 1, 2]) {
    it(`softmax and logSoftmax along ${dim}, contiguous and permuted`, () => {
      agree(() => {
        const x = nn.tensor(randValues(3 * 4 * 5, dim + 1, -5, 5), { shape: [3, 4, 5] });
        const p = nn.permute(x, [1, 0, 2]);
        return [nn.softmax(x, dim), nn.logSoftmax(x, dim), nn.softmax(p, dim), nn.logSoftmax(p, dim)];
      });
    });
  }
});
