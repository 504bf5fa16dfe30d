import type { AdamStepArgs, FusedKernels, SgdStepArgs, TensorView } from '@nn/tensor';
import { contiguousStrides, numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { attention, attentionBackward } from './attention.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv.js';
import { cast } from './elementwise.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { softmax, softmaxBackward } from './softmax.js';

const WG = 256;

function isContiguous(v: TensorView): boolean {
  const s = contiguousStrides(v.shape);
  return v.shape.every((d, i) => d === 1 || v.strides[i] === s[i]);
}

/**
 * Runs `fn` on contiguous versions of the views (copies where needed, freed after encoding: the
 * pool keeps them until the batch using them is submitted).
 */
export function withContiguous<T>(rt: Runtime, views: readonly TensorView[], fn: (vs: TensorView[]) => T): T {
  const temps: GPUBuffer[] = [];
  const vs = views.map((v) => {
    if (isContiguous(v)) return v;
    const b = cast(rt, v, v.dtype);
    temps.push(b);
    return { storage: b, dtype: v.dtype, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
  });
  try {
    return fn(vs);
  } finally {
    for (const t of temps) rt.free(t);
  }
}

/** A flat element-wise pass over contiguous f32 inputs writing several outputs. */
function flatPass(
  rt: Runtime,
  name: string,
  inputs: readonly TensorView[],
  outputs: number,
  scalars: readonly number[],
  body: string,
): GPUBuffer[] {
  const n = numel(inputs[0].shape);
  const outs = Array.from({ length: outputs }, () => rt.createBuffer(n * 4));
  if (n === 0) return outs;
  const m = new Meta();
  m.u32(n);
  for (const v of inputs) m.u32(v.offset);
  for (const s of scalars) m.f32(s);
  const first = 1 + inputs.length;
  const source = (): string => {
    const lines = [`  if (gid >= mu(0u)) { return; }`, '  let i = gid;'];
    for (let k = 0; k < inputs.length; k++) lines.push(`  let x${k} = in${k}[mu(${1 + k}u) + i];`);
    for (let k = 0; k < scalars.length; k++) lines.push(`  let s${k} = mf(${first + k}u);`);
    lines.push(body);
    return (
      header(
        inputs.map((_, k) => ({ name: `in${k}`, type: 'f32' })),
        outs.map((_, k) => ({ name: `out${k}`, type: 'f32' })),
      ) + entry(WG, lines.join('\n'))
    );
  };
  rt.dispatch(
    { key: `flat:${name}`, inputs: inputs.length, outputs, source },
    inputs.map((v) => v.storage as GPUBuffer),
    outs,
    m.u,
    Math.ceil(n / WG),
  );
  return outs;
}

function adamStep(
  rt: Runtime,
  a: AdamStepArgs,
): { p: GPUBuffer; m: GPUBuffer; v: GPUBuffer; vMax?: GPUBuffer } {
  const bc1 = 1 - a.beta1 ** a.step;
  const sqrtBc2 = Math.sqrt(1 - a.beta2 ** a.step);
  const l2 = a.decoupled ? 0 : a.weightDecay;
  const decay = a.decoupled ? 1 - a.lr * a.weightDecay : 1;
  const views = a.vMax ? [a.p, a.g, a.m, a.v, a.vMax] : [a.p, a.g, a.m, a.v];
  return withContiguous(rt, views, ([p, g, m, v, vMax]) => {
    // s0 l2 decay, s1 beta1, s2 1-beta1, s3 beta2, s4 1-beta2, s5 step size, s6 sqrt(bc2), s7 eps, s8 decoupled decay
    const scalars = [l2, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.lr / bc1, sqrtBc2, a.eps, decay];
    const moments = `
  let gv = x1 + s0 * x0;
  let mv = s1 * x2 + s2 * gv;
  let vv = s3 * x3 + s4 * gv * gv;`;
    if (!vMax) {
      const [np, nm, nv] = flatPass(
        rt,
        'adam',
        [p, g, m, v],
        3,
        scalars,
        `${moments}
  out1[i] = mv;
  out2[i] = vv;
  out0[i] = x0 * s8 - s5 * mv / (sqrt(vv) / s6 + s7);`,
      );
      return { p: np, m: nm, v: nv };
    }
    // AMSGrad needs five inputs and four outputs: two passes keep within 8 storage bindings.
    const [nm, nv] = flatPass(
      rt,
      'adamMoments',
      [p, g, m, v],
      2,
      scalars,
      `${moments}
  out0[i] = mv;
  out1[i] = vv;`,
    );
    const view = (b: GPUBuffer): TensorView => ({
      storage: b,
      dtype: 'float32',
      shape: p.shape,
      strides: contiguousStrides(p.shape),
      offset: 0,
    });
    const [np, nx] = flatPass(
      rt,
      'amsgrad',
      [p, view(nm), view(nv), vMax],
      2,
      scalars,
      `
  let vu = max(x3, x2);
  out1[i] = vu;
  out0[i] = x0 * s8 - s5 * x1 / (sqrt(vu) / s6 + s7);`,
    );
    return { p: np, m: nm, v: nv, vMax: nx };
  });
}

function sgdStep(rt: Runtime, a: SgdStepArgs): { p: GPUBuffer; buf?: GPUBuffer } {
  const scalars = [a.weightDecay, a.lr, a.momentum, 1 - a.dampening];
  if (a.momentum === 0) {
    return withContiguous(rt, [a.p, a.g], ([p, g]) => {
      const [np] = flatPass(
        rt,
        'sgd',
        [p, g],
        1,
        scalars,
        `
  out0[i] = x0 - s1 * (x1 + s0 * x0);`,
      );
      return { p: np };
    });
  }
  const nesterov = a.nesterov ? 'd + s2 * b' : 'b';
  if (a.firstStep || !a.buf) {
    return withContiguous(rt, [a.p, a.g], ([p, g]) => {
      const [np, nb] = flatPass(
        rt,
        `sgdFirst:${a.nesterov}`,
        [p, g],
        2,
        scalars,
        `
  let d = x1 + s0 * x0;
  let b = d;
  out1[i] = b;
  out0[i] = x0 - s1 * (${nesterov});`,
      );
      return { p: np, buf: nb };
    });
  }
  return withContiguous(rt, [a.p, a.g, a.buf], ([p, g, buf]) => {
    const [np, nb] = flatPass(
      rt,
      `sgdMomentum:${a.nesterov}`,
      [p, g, buf],
      2,
      scalars,
      `
  let d = x1 + s0 * x0;
  let b = s2 * x2 + s3 * d;
  out1[i] = b;
  out0[i] = x0 - s1 * (${nesterov});`,
    );
    return { p: np, buf: nb };
  });
}

export function fused(rt: Runtime): FusedKernels {
  return {
    softmax: (x, axis, log) => softmax(rt, x, axis, log),
    softmaxBackward: (y, dy, axis, log) => softmaxBackward(rt, y, dy, axis, log),
    adamStep: (args) => adamStep(rt, args),
    sgdStep: (args) => sgdStep(rt, args),
    conv2d: (x, w, p, outShape) => withContiguous(rt, [x, w], ([xc, wc]) => conv2d(rt, xc, wc, p, outShape)),
    conv2dBackwardInput: (dy, w, p, xShape) =>
      withContiguous(rt, [dy, w], ([dyc, wc]) => conv2dBackwardInput(rt, dyc, wc, p, xShape)),
    conv2dBackwardWeight: (x, dy, p, wShape) =>
      withContiguous(rt, [x, dy], ([xc, dyc]) => conv2dBackwardWeight(rt, xc, dyc, p, wShape)),
    maxPool2d: (x, p, outShape) => withContiguous(rt, [x], ([xc]) => maxPool2d(rt, xc, p, outShape)),
    maxPool2dBackward: (dy, indices, xShape) =>
      withContiguous(rt, [dy, indices], ([dyc, ic]) => maxPool2dBackward(rt, dyc, ic, xShape)),
    avgPool2d: (x, p, includePad, outShape) =>
      withContiguous(rt, [x], ([xc]) => avgPool2d(rt, xc, p, includePad, outShape)),
    avgPool2dBackward: (dy, p, includePad, xShape) =>
      withContiguous(rt, [dy], ([dyc]) => avgPool2dBackward(rt, dyc, p, includePad, xShape)),
    attention: (args) => attention(rt, args),
    attentionBackward: (args) => attentionBackward(rt, args),
  };
}
