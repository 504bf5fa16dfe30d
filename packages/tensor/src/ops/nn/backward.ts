/**
 * The gradients of the fused conv and pool ops as tensor-level ops: each takes the backend's
 * fused kernel when it has one and no graph is being recorded through it, else a composition of
 * primitives (which runs everywhere and, under `createGraph`, is differentiable again). Autograd's
 * rules call these and never look at `backend.fused`.
 */
import type { Conv2dParams, FusedActivation, Pool2dParams } from '../../backend.js';
import { tidy } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { div } from '../elementwise.js';
import { scatterAddZeros } from '../indexing.js';
import { matmul } from '../matmul.js';
import { sum } from '../reduce.js';
import { contiguous, expand, reshape, transpose, unsqueeze } from '../shape.js';
import { fromStorage, recording } from '../util.js';
import { col2im } from './col2im.js';
import { reluBackward } from './linear.js';
import { pad } from './pad.js';
import { poolDivisors } from './pool.js';
import { windows } from './windows.js';

/** The output size of a conv or pool along each of the two spatial dims of `dy` [N, C, oH, oW]. */
const outOf = (dy: Tensor): [number, number] => [dy.shape[2], dy.shape[3]];

/** Gradient of conv2d (no bias) with respect to its input x of shape `xShape`. */
export function conv2dBackwardInput(
  dy: Tensor,
  w: Tensor,
  p: Conv2dParams,
  xShape: readonly number[],
): Tensor {
  const kernel = dy.backend.fused?.conv2dBackwardInput;
  if (kernel && !recording(dy, w)) {
    return tidy(() => {
      const dyc = contiguous(dy);
      const wc = contiguous(w);
      return fromStorage(dy.backend, kernel(dyc, wc, p, xShape), dy.dtype, xShape);
    });
  }
  return tidy(() => {
    const [n, c] = xShape;
    const [outC, cg, kh, kw] = w.shape;
    const g = p.groups;
    const [oh, ow] = outOf(dy);
    // cols[n, g, cg*kk, L] = Wgᵀ · dy, then each column summed back where its window read.
    const wt = transpose(reshape(w, [g, outC / g, cg * kh * kw]), -1, -2);
    const cols = matmul(wt, reshape(dy, [n, g, outC / g, oh * ow]));
    return col2im(reshape(cols, [n, c, kh * kw, oh, ow]), xShape, {
      kernel: [kh, kw],
      stride: p.stride,
      dilation: p.dilation,
      padding: p.padding,
      out: [oh, ow],
    });
  });
}

/** Gradient of conv2d (no bias) with respect to its weight of shape `wShape`. */
export function conv2dBackwardWeight(
  x: Tensor,
  dy: Tensor,
  p: Conv2dParams,
  wShape: readonly number[],
): Tensor {
  const kernel = dy.backend.fused?.conv2dBackwardWeight;
  if (kernel && !recording(x, dy)) {
    return tidy(() => {
      const xc = contiguous(x);
      const dyc = contiguous(dy);
      return fromStorage(dy.backend, kernel(xc, dyc, p, wShape), dy.dtype, wShape);
    });
  }
  return tidy(() => {
    const [n] = x.shape;
    const [outC, cg, kh, kw] = wShape;
    const g = p.groups;
    const [oh, ow] = outOf(dy);
    const [ph, pw] = p.padding;
    const xp = ph > 0 || pw > 0 ? pad(x, [pw, pw, ph, ph]) : x;
    const win = windows(xp, [kh, kw], p.stride, p.dilation, [oh, ow]);
    const cols = reshape(win, [n, g, cg * kh * kw, oh * ow]);
    const perSample = matmul(reshape(dy, [n, g, outC / g, oh * ow]), transpose(cols, -1, -2));
    return reshape(sum(perSample, { dim: 0 }), wShape);
  });
}

/**
 * The gradients of conv2dBias (x, w, bias) from its output y and output gradient g: relu's mask
 * first when `activation` is 'relu', then conv2d's gradients and the bias's (summed over N, H, W).
 * One fused kernel where the backend has it and both parameters want gradients; x's only when
 * `needs[0]`.
 */
export function conv2dBiasBackward(
  x: Tensor,
  w: Tensor,
  y: Tensor,
  g: Tensor,
  p: Conv2dParams,
  activation: FusedActivation,
  needs: readonly boolean[],
): [Tensor | null, Tensor | null, Tensor | null] {
  const kernel = g.backend.fused?.conv2dBiasBackward;
  if (kernel && needs[1] && needs[2] && !recording(x, w, y, g)) {
    return tidy(() => {
      const r = kernel(contiguous(x), contiguous(w), contiguous(y), contiguous(g), p, activation, !!needs[0]);
      const b = g.backend;
      return [
        r.input ? fromStorage(b, r.input, g.dtype, x.shape) : null,
        fromStorage(b, r.weight, g.dtype, w.shape),
        fromStorage(b, r.bias, g.dtype, [w.shape[0]]),
      ];
    });
  }
  return tidy(() => {
    const gz = activation === 'relu' ? reluBackward(y, g) : g;
    return [
      needs[0] ? conv2dBackwardInput(gz, w, p, x.shape) : null,
      needs[1] ? conv2dBackwardWeight(x, gz, p, w.shape) : null,
      needs[2] ? sum(gz, { dim: [0, 2, 3] }) : null,
    ];
  });
}

/** Gradient of max pooling: dy [N, C, oH, oW] routed to the positions `indices` (h * W + w) hold. */
export function maxPool2dBackward(dy: Tensor, indices: Tensor, xShape: readonly number[]): Tensor {
  const kernel = dy.backend.fused?.maxPool2dBackward;
  if (kernel && !recording(dy)) {
    return tidy(() => {
      const dyc = contiguous(dy);
      const ic = contiguous(indices);
      return fromStorage(dy.backend, kernel(dyc, ic, xShape), dy.dtype, xShape);
    });
  }
  return tidy(() => {
    const [n, c, h, w] = xShape;
    const per = dy.shape[2] * dy.shape[3];
    const plane = scatterAddZeros([n, c, h * w], 2, reshape(indices, [n, c, per]), reshape(dy, [n, c, per]));
    return reshape(plane, xShape);
  });
}

/** Gradient of average pooling over [N, C, H, W] with PyTorch's divisor rule. */
export function avgPool2dBackward(
  dy: Tensor,
  p: Pool2dParams,
  countIncludePad: boolean,
  xShape: readonly number[],
): Tensor {
  const kernel = dy.backend.fused?.avgPool2dBackward;
  if (kernel && !recording(dy)) {
    return tidy(() => {
      const dyc = contiguous(dy);
      return fromStorage(dy.backend, kernel(dyc, p, countIncludePad, xShape), dy.dtype, xShape);
    });
  }
  return tidy(() => {
    const [n, c, h, w] = xShape;
    const out = outOf(dy);
    const kk = p.kernel[0] * p.kernel[1];
    const divisor = tensor(poolDivisors(h, w, { ...p, out }, countIncludePad), {
      dtype: dy.dtype,
      backend: dy.backendName,
      shape: out,
    });
    // Every input position of a window gets its share of the window's gradient.
    const share = unsqueeze(div(dy, divisor), 2);
    const cols = expand(share, [n, c, kk, out[0], out[1]]);
    return col2im(cols, xShape, { ...p, out });
  });
}
