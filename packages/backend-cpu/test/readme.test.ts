import { binary, unary } from '@nn/backend-cpu/kernels';
import { expect, it } from 'vitest';

// The README's example of the reference kernels, kept runnable.
it('the README example of the reference kernels prints what it says', () => {
  const x = {
    storage: new Float64Array([9, 0, 0.5, 1]),
    dtype: 'float64',
    shape: [3],
    strides: [1],
    offset: 1,
  } as const;
  expect(unary('erf', x, [])).toEqual(new Float64Array([0, 0.5204998778130465, 0.8427007929497148]));
  expect(binary('mul', x, 2, [3])).toEqual(new Float64Array([0, 1, 2]));
});
