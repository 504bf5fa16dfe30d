import type { Conv2dParams, FusedActivation } from '@nn/tensor';
import type { Conv2dGeometry } from '@nn/tensor/internal';
import type { Ctx } from './context.js';
import type { ConvMode } from './conv-jobs.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex } from './strided.js';

// Convolution in float64 (gradcheck): plain loops over every in-bounds tap, then the epilogue.

/** Direct convolution loops (any float dtype): out += products over every in-bounds tap. */
export function convLoops(
  ctx: Ctx,
  mode: ConvMode,
  g: Conv2dGeometry,
  p: Conv2dParams,
  x: number,
  w: number,
  y: number,
  out: WasmStorage,
  dtype: 'float32' | 'float64',
): void {
  const a = arrayOf(ctx.heap, dtype);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const grp = Math.floor(oc / g.og);
      for (let oh = 0; oh < g.oh; oh++) {
        for (let ow = 0; ow < g.ow; ow++) {
          const yi = ((n * g.outC + oc) * g.oh + oh) * g.ow + ow;
          let acc = 0;
          for (let c = 0; c < g.cg; c++) {
            const xc = n * g.c + grp * g.cg + c;
            for (let i = 0; i < g.kh; i++) {
              const ih = oh * sh - ph + i * dh;
              if (ih < 0 || ih >= g.h) continue;
              for (let j = 0; j < g.kw; j++) {
                const iw = ow * sw - pw + j * dw;
                if (iw < 0 || iw >= g.w) continue;
                const xi = (xc * g.h + ih) * g.w + iw;
                const wi = ((oc * g.cg + c) * g.kh + i) * g.kw + j;
                if (mode === 'forward') acc += a[x + xi] * a[w + wi];
                else if (mode === 'input') a[o + xi] += a[y + yi] * a[w + wi];
                else a[o + wi] += a[y + yi] * a[x + xi];
              }
            }
          }
          if (mode === 'forward') a[o + yi] = acc;
        }
      }
    }
  }
}

/** The epilogue on the direct loops' output (float64): bias per channel, then relu (NaN stays). */
export function biasAndActivation(
  ctx: Ctx,
  g: Conv2dGeometry,
  out: WasmStorage,
  bias: number,
  activation: FusedActivation,
  dtype: 'float32' | 'float64',
): void {
  const a = arrayOf(ctx.heap, dtype);
  const o = baseIndex({ storage: out, dtype, shape: [1], strides: [1], offset: 0 });
  const plane = g.oh * g.ow;
  for (let n = 0; n < g.n; n++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const b = a[bias + oc];
      const base = o + (n * g.outC + oc) * plane;
      for (let i = base; i < base + plane; i++) {
        const v = a[i] + b;
        a[i] = activation === 'relu' && v < 0 ? 0 : v;
      }
    }
  }
}
