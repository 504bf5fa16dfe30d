import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { manualSeed, randn, ShapeError, tensor, use, ValueError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { Conv2d, ConvTranspose2d, GroupNorm, PixelShuffle, PixelUnshuffle, Upsample } from '../src/index.js';

use(cpu());
installAutograd();
manualSeed(5);

describe('upsampling and normalization layers', () => {
  it('ConvTranspose2d has PyTorch layout, init bounds and output size', async () => {
    const ct = new ConvTranspose2d(4, 6, [3, 2], { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    expect(ct.weight.shape).toEqual([4, 3, 3, 2]);
    expect(ct.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    // fan-in of the [in, out / groups, kH, kW] weight is (out / groups) * kH * kW = 18.
    const bound = 1 / Math.sqrt(18);
    expect(Math.max(...Array.from(await ct.bias!.data(), Math.abs))).toBeLessThanOrEqual(bound);
    expect(ct.call(randn([2, 4, 5, 5])).shape).toEqual([2, 6, 10, 9]);
    expect(ct.call(randn([4, 5, 5])).shape).toEqual([6, 10, 9]);
  });

  it('ConvTranspose2d reaches an outputSize within stride of the smallest, and refuses others', () => {
    const ct = new ConvTranspose2d(1, 1, 3, { stride: 3 });
    const x = randn([1, 1, 4, 4]);
    expect(ct.call(x).shape).toEqual([1, 1, 12, 12]);
    expect(ct.call(x, [14, 12]).shape).toEqual([1, 1, 14, 12]);
    expect(ct.call(x, [1, 1, 13, 13]).shape).toEqual([1, 1, 13, 13]);
    expect(() => ct.call(x, [15, 12])).toThrow(/outputSize 15 .*from 12 to 14/);
    expect(() => ct.call(x, [12])).toThrow(ValueError);
  });

  it('Conv2d with padding same keeps the spatial size; strided same is refused', () => {
    expect(new Conv2d(2, 4, [2, 4], { padding: 'same' }).call(randn([1, 2, 7, 6])).shape).toEqual([
      1, 4, 7, 6,
    ]);
    expect(new Conv2d(2, 4, 3, { padding: 'valid' }).call(randn([1, 2, 7, 6])).shape).toEqual([1, 4, 5, 4]);
    expect(() => new Conv2d(2, 4, 3, { padding: 'same', stride: 2 })).toThrow(
      /padding 'same' needs stride 1/,
    );
  });

  it('GroupNorm normalizes each group of each sample to mean 0, variance 1', async () => {
    const gn = new GroupNorm(2, 4, { affine: false });
    expect(gn.namedParameters()).toEqual([]);
    const y = gn.call(randn([3, 4, 5], { mean: 2, std: 3 }));
    const v = await y.data();
    for (let s = 0; s < 3; s++) {
      for (let g = 0; g < 2; g++) {
        const part = Array.from(v.subarray(s * 20 + g * 10, s * 20 + g * 10 + 10));
        const m = part.reduce((a, b) => a + b, 0) / 10;
        const variance = part.reduce((a, b) => a + (b - m) ** 2, 0) / 10;
        expect(Math.abs(m)).toBeLessThan(1e-5);
        expect(variance).toBeCloseTo(1, 3);
      }
    }
    expect(() => new GroupNorm(3, 4)).toThrow(/divisible by numGroups/);
    expect(() => new GroupNorm(2, 4).call(randn([2, 6, 3]))).toThrow(ShapeError);
  });

  it('Upsample and PixelShuffle/Unshuffle move pixels as PyTorch', async () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    expect(await new Upsample({ scaleFactor: 2 }).call(x).array()).toEqual([
      [
        [
          [1, 1, 2, 2],
          [1, 1, 2, 2],
          [3, 3, 4, 4],
          [3, 3, 4, 4],
        ],
      ],
    ]);
    const corners = await new Upsample({ size: 3, mode: 'bilinear', alignCorners: true }).call(x).array();
    expect(corners).toEqual([
      [
        [
          [1, 1.5, 2],
          [2, 2.5, 3],
          [3, 3.5, 4],
        ],
      ],
    ]);
    const c = randn([2, 8, 3, 2]);
    const back = new PixelUnshuffle(2).call(new PixelShuffle(2).call(c));
    expect(Array.from(await back.data())).toEqual(Array.from(await c.data()));
    expect(() => new Upsample({})).toThrow(/exactly one of size and scaleFactor/);
    expect(() => new PixelShuffle(0)).toThrow(ValueError);
  });
});
