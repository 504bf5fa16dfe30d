import { cpu } from '@nn/backend-cpu';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { maxPool2d, randn, sort, type Tensor, tidy, topk, use } from '../src/index.js';

beforeAll(() => {
  use(cpu());
});

// `tidy` returns what its function returns; PyTorch-style pairs are containers it accepts (the
// compile-time half is `pnpm typecheck`: these calls did not type-check while the pairs were interfaces).
describe('tidy accepts the pairs ops return', () => {
  it('max(dim), sort, topk and maxPool2d with indices', () => {
    const x = randn([2, 3, 4, 4]);
    const m = tidy(() => x.max(1));
    const s = tidy(() => sort(x, 1));
    const k = tidy(() => topk(x, 2, 1));
    const p = tidy(() => maxPool2d(x, { kernelSize: 2, returnIndices: true }));
    expectTypeOf(m.values).toEqualTypeOf<Tensor>();
    expectTypeOf(p.indices).toEqualTypeOf<Tensor>();
    for (const r of [m, s, k, p]) {
      expect(r.values.isDisposed).toBe(false);
      expect(r.indices.isDisposed).toBe(false);
      r.values.dispose();
      r.indices.dispose();
    }
    const [values, indices] = tidy(() => x.max(1));
    expect(values.shape).toEqual([2, 4, 4]);
    values.dispose();
    indices.dispose();
    x.dispose();
  });
});
