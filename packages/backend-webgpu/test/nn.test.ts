// Fused softmax, conv2d and pooling (with their backward passes) against the cpu backend.
import type { DType } from '@nn/tensor';
import { expect, it } from 'vitest';
import { describeGpu, gpu } from './gpu-setup.js';
import { compare, contiguous, pair, ref, values } from './oracle.js';

describeGpu('nn kernels against cpu', () => {
  for (const log of [false, true]) {
    it(`fused ${log ? 'log-' : ''}softmax and its backward along each axis of a strided view`, async () => {
      const x = pair(gpu, values(60, 8, 'float32', -6, 6), 'float32', [3, 4, 5], [1, 15, 3]);
      const dy = pair(gpu, values(60, 9), 'float32', [3, 4, 5]);
      for (const axis of [0, 1, 2]) {
        const yg = gpu.fused.softmax!(x.gpu, axis, log);
        const yc = ref.fused!.softmax!(x.cpu, axis, log);
        const st = contiguous([3, 4, 5]);
        const v = (storage: unknown) => ({
          storage,
          dtype: 'float32' as DType,
          shape: [3, 4, 5],
          strides: st,
          offset: 0,
        });
        await compare(
          gpu,
          gpu.fused.softmaxBackward!(v(yg), dy.gpu, axis, log),
          ref.fused!.softmaxBackward!(v(yc), dy.cpu, axis, log),
          'float32',
          60,
          { rtol: 1e-5, atol: 1e-6 },
        );
        await compare(gpu, yg, yc, 'float32', 60);
      }
    });
  }

  const convCases: [
    string,
    number[],
    number[],
    { stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number },
  ][] = [
    [
      '3x2 kernel, stride [2,1], padding [1,0], dilation [1,2]',
      [2, 3, 7, 6],
      [4, 3, 3, 2],
      { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 1 },
    ],
    [
      'groups 2, padding 1',
      [3, 4, 5, 5],
      [6, 2, 3, 3],
      { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 },
    ],
    [
      '1x1, 8 channels (vec4 path)',
      [2, 8, 4, 4],
      [8, 8, 1, 1],
      { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
    ],
  ];
  for (const [name, xs, ws, p] of convCases) {
    it(`fused conv2d forward and both backward passes: ${name}`, async () => {
      const oh = Math.floor((xs[2] + 2 * p.padding[0] - p.dilation[0] * (ws[2] - 1) - 1) / p.stride[0]) + 1;
      const ow = Math.floor((xs[3] + 2 * p.padding[1] - p.dilation[1] * (ws[3] - 1) - 1) / p.stride[1]) + 1;
      const ys = [xs[0], ws[0], oh, ow];
      const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
      const x = pair(gpu, values(size(xs), 1), 'float32', xs);
      const w = pair(gpu, values(size(ws), 2), 'float32', ws);
      const dy = pair(gpu, values(size(ys), 3), 'float32', ys);
      const tol = { rtol: 1e-4, atol: 1e-4 };
      const fg = gpu.fused;
      const fc = ref.fused!;
      await compare(
        gpu,
        fg.conv2d!(x.gpu, w.gpu, p, ys),
        fc.conv2d!(x.cpu, w.cpu, p, ys),
        'float32',
        size(ys),
        { ...tol, what: 'y' },
      );
      await compare(
        gpu,
        fg.conv2dBackwardInput!(dy.gpu, w.gpu, p, xs),
        fc.conv2dBackwardInput!(dy.cpu, w.cpu, p, xs),
        'float32',
        size(xs),
        { ...tol, what: 'dx' },
      );
      await compare(
        gpu,
        fg.conv2dBackwardWeight!(x.gpu, dy.gpu, p, ws),
        fc.conv2dBackwardWeight!(x.cpu, dy.cpu, p, ws),
        'float32',
        size(ws),
        { ...tol, what: 'dw' },
      );
    });
  }

  const poolCases: [
    string,
    number[],
    {
      kernel: [number, number];
      stride: [number, number];
      padding: [number, number];
      dilation: [number, number];
      ceilMode: boolean;
    },
  ][] = [
    [
      '2x2 stride 2',
      [2, 3, 6, 8],
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false },
    ],
    [
      '3x3 stride 2 padding 1 ceil mode',
      [1, 2, 7, 6],
      { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true },
    ],
    [
      'overlapping 3x2 stride 1',
      [2, 2, 5, 5],
      { kernel: [3, 2], stride: [1, 1], padding: [0, 1], dilation: [1, 1], ceilMode: false },
    ],
  ];
  for (const [name, xs, p] of poolCases) {
    it(`fused max and avg pooling with their backward passes: ${name}`, async () => {
      const out = (size: number, i: number) => {
        const span = size + 2 * p.padding[i] - p.dilation[i] * (p.kernel[i] - 1) - 1;
        let o = (p.ceilMode ? Math.ceil(span / p.stride[i]) : Math.floor(span / p.stride[i])) + 1;
        if (p.ceilMode && (o - 1) * p.stride[i] >= size + p.padding[i]) o--;
        return o;
      };
      const ys = [xs[0], xs[1], out(xs[2], 0), out(xs[3], 1)];
      const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
      const data = values(size(xs), 4);
      data[5] = Number.NaN;
      const x = pair(gpu, data, 'float32', xs);
      const dy = pair(gpu, values(size(ys), 5), 'float32', ys);
      const fg = gpu.fused;
      const fc = ref.fused!;
      const mg = fg.maxPool2d!(x.gpu, p, ys);
      const mc = fc.maxPool2d!(x.cpu, p, ys);
      const [gi, ci] = await Promise.all([
        gpu.read(mg.indices, 'int32', size(ys)),
        ref.read(mc.indices, 'int32', size(ys)),
      ]);
      expect(Array.from(gi)).toEqual(Array.from(ci));
      const iv = (s: unknown) => ({
        storage: s,
        dtype: 'int32' as const,
        shape: ys,
        strides: contiguous(ys),
        offset: 0,
      });
      await compare(
        gpu,
        fg.maxPool2dBackward!(dy.gpu, iv(mg.indices), xs),
        fc.maxPool2dBackward!(dy.cpu, iv(mc.indices), xs),
        'float32',
        size(xs),
        { rtol: 1e-5, atol: 1e-6, what: 'max dx' },
      );
      await compare(gpu, mg.values, mc.values, 'float32', size(ys), { what: 'max' });
      for (const include of [true, false]) {
        const clean = pair(gpu, values(size(xs), 6), 'float32', xs);
        await compare(
          gpu,
          fg.avgPool2d!(clean.gpu, p, include, ys),
          fc.avgPool2d!(clean.cpu, p, include, ys),
          'float32',
          size(ys),
          { what: `avg ${include}` },
        );
        await compare(
          gpu,
          fg.avgPool2dBackward!(dy.gpu, p, include, xs),
          fc.avgPool2dBackward!(dy.cpu, p, include, xs),
          'float32',
          size(xs),
          { what: `avg dx ${include}` },
        );
      }
    });
  }
});
