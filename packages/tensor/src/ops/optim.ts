/**
 * One optimizer step per parameter as tensor-level ops: the backend's fused kernel when it has one,
 * else the same arithmetic from element-wise ops. @nn/optim calls these and never looks at
 * `backend.fused`. Both return new tensors; the caller assigns them.
 */
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { add, div, maximum, mul, sqrt, square, sub } from './elementwise.js';
import { contiguous } from './shape.js';
import { fromStorage } from './util.js';

/** Adam's hyper-parameters for one step (`step` counts from 1). */
export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: decay the weights directly instead of adding to the gradient. */
  readonly decoupled: boolean;
  readonly step: number;
}

/** Adam's moments: m, v, and the running max of v with amsgrad. */
export interface AdamMoments {
  readonly m: Tensor;
  readonly v: Tensor;
  readonly vMax?: Tensor;
}

/** The parameter after one Adam/AdamW step, and the new moments. */
export interface AdamResult extends AdamMoments {
  readonly p: Tensor;
}

/** One Adam/AdamW step (PyTorch's bias correction and eps placement) of parameter p with gradient g. */
export function adamStep(p: Tensor, g: Tensor, moments: AdamMoments, h: AdamHyper): AdamResult {
  const kernel = p.backend.fused?.adamStep;
  if (kernel) {
    return tidy(() => {
      const out = kernel({
        p: contiguous(p),
        g: contiguous(g),
        m: contiguous(moments.m),
        v: contiguous(moments.v),
        vMax: moments.vMax && contiguous(moments.vMax),
        ...h,
      });
      const make = (s: unknown): Tensor => fromStorage(p.backend, s, p.dtype, p.shape);
      const vMax = moments.vMax && out.vMax !== undefined ? make(out.vMax) : undefined;
      return { p: make(out.p), m: make(out.m), v: make(out.v), vMax };
    });
  }
  return tidy(() => {
    const param = h.decoupled && h.weightDecay !== 0 ? mul(p, 1 - h.lr * h.weightDecay) : p;
    const grad = !h.decoupled && h.weightDecay !== 0 ? add(g, mul(p, h.weightDecay)) : g;
    const m = add(mul(moments.m, h.beta1), mul(grad, 1 - h.beta1));
    const v = add(mul(moments.v, h.beta2), mul(square(grad), 1 - h.beta2));
    const vMax = moments.vMax && maximum(moments.vMax, v);
    const bc1 = 1 - h.beta1 ** h.step;
    const bc2 = 1 - h.beta2 ** h.step;
    const denom = add(div(sqrt(vMax ?? v), Math.sqrt(bc2)), h.eps);
    return { p: sub(param, mul(div(m, denom), h.lr / bc1)), m, v, vMax };
  });
}

/** SGD's hyper-parameters (PyTorch's formulation). */
export interface SgdHyper {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

/** The parameter after one SGD step, and the new momentum buffer (when momentum is not 0). */
export interface SgdResult {
  readonly p: Tensor;
  readonly buf?: Tensor;
}

/** One SGD step of parameter p with gradient g; `buf` is the momentum buffer, absent on the first step. */
export function sgdStep(p: Tensor, g: Tensor, buf: Tensor | undefined, h: SgdHyper): SgdResult {
  const kernel = p.backend.fused?.sgdStep;
  if (kernel) {
    return tidy(() => {
      const out = kernel({
        p: contiguous(p),
        g: contiguous(g),
        buf: buf === undefined || h.momentum === 0 ? undefined : contiguous(buf),
        ...h,
        firstStep: buf === undefined,
      });
      const make = (s: unknown): Tensor => fromStorage(p.backend, s, p.dtype, p.shape);
      return { p: make(out.p), buf: out.buf !== undefined && h.momentum !== 0 ? make(out.buf) : undefined };
    });
  }
  return tidy(() => {
    let d = h.weightDecay !== 0 ? add(g, mul(p, h.weightDecay)) : g;
    let next: Tensor | undefined;
    if (h.momentum !== 0) {
      next = buf ? add(mul(buf, h.momentum), mul(d, 1 - h.dampening)) : contiguous(d, true);
      d = h.nesterov ? add(d, mul(next, h.momentum)) : next;
    }
    return { p: sub(p, mul(d, h.lr)), buf: next };
  });
}
