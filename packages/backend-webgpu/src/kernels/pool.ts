import type { Pool2dParams, TensorView } from '@nn/tensor';
import { INDEX_ERROR_BINDING, IndexOp, REPORT_INDEX } from '../index-errors.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { fill } from './elementwise.js';

// One invocation per output (forward) or per input element (backward, gathering from the
// windows that cover it, so no atomics). Inputs arrive contiguous; PyTorch's NCHW semantics.

const WG = 256;

function poolMeta(x: readonly number[], out: readonly number[], p: Pool2dParams, total: number): Meta {
  const m = new Meta();
  m.all([total, x[2], x[3], out[2], out[3], p.kernel[0], p.kernel[1], p.stride[0], p.stride[1]]);
  m.all([p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]]);
  return m;
}

const DIMS = `
  let H = mu(1u); let W = mu(2u); let OH = mu(3u); let OW = mu(4u);
  let KH = mu(5u); let KW = mu(6u); let SH = i32(mu(7u)); let SW = i32(mu(8u));
  let PH = i32(mu(9u)); let PW = i32(mu(10u)); let DH = i32(mu(11u)); let DW = i32(mu(12u));`;

/** The CNN workhorse: 2x2 windows, stride 2, all inside the input, even widths: two vec2 loads an output. */
function isPool2x2(x: TensorView, p: Pool2dParams, outShape: readonly number[]): boolean {
  const [, , h, w] = x.shape;
  return (
    p.kernel[0] === 2 &&
    p.kernel[1] === 2 &&
    p.stride[0] === 2 &&
    p.stride[1] === 2 &&
    p.padding[0] === 0 &&
    p.padding[1] === 0 &&
    p.dilation[0] === 1 &&
    p.dilation[1] === 1 &&
    w % 2 === 0 &&
    x.offset % 2 === 0 &&
    2 * outShape[2] <= h &&
    2 * outShape[3] <= w
  );
}

function maxPool2x2(
  rt: Runtime,
  x: TensorView,
  outShape: readonly number[],
  values: GPUBuffer,
  indices: GPUBuffer,
  total: number,
): void {
  const m = new Meta();
  m.all([total, x.shape[2], x.shape[3], outShape[2], outShape[3], x.offset / 2]);
  const source = (): string => {
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }
  let H = mu(1u); let W = mu(2u); let OH = mu(3u); let OW = mu(4u);
  let ox = e % OW; let oy = (e / OW) % OH; let plane = e / (OW * OH);
  let r0 = 2u * oy * W + 2u * ox;
  let top = x[mu(5u) + (plane * H * W + r0) / 2u];
  let bottom = x[mu(5u) + (plane * H * W + r0 + W) / 2u];
  let vs = array<f32, 4>(top.x, top.y, bottom.x, bottom.y);
  let ps = array<u32, 4>(r0, r0 + 1u, r0 + W, r0 + W + 1u);
  var best = vs[0];
  var at = ps[0];
  for (var t = 1u; t < 4u; t++) {
    if (is_nan(best)) { break; }
    if (vs[t] > best || is_nan(vs[t])) { best = vs[t]; at = ps[t]; }
  }
  values[e] = best;
  indices[e] = i32(at);`;
    return (
      header(
        [{ name: 'x', type: 'vec2<f32>' }],
        [
          { name: 'values', type: 'f32' },
          { name: 'indices', type: 'i32' },
        ],
      ) + entry(WG, body)
    );
  };
  rt.dispatch(
    { key: 'maxPool2x2', inputs: 1, outputs: 2, source },
    [x.storage as GPUBuffer],
    [values, indices],
    m.u,
    Math.ceil(total / WG),
  );
}

export function maxPool2d(
  rt: Runtime,
  x: TensorView,
  p: Pool2dParams,
  outShape: readonly number[],
): { values: GPUBuffer; indices: GPUBuffer } {
  const total = outShape.reduce((a, b) => a * b, 1);
  const values = rt.createBuffer(total * 4);
  const indices = rt.createBuffer(total * 4);
  if (total > 0 && isPool2x2(x, p, outShape)) {
    maxPool2x2(rt, x, outShape, values, indices, total);
    return { values, indices };
  }
  const m = poolMeta(x.shape, outShape, p, total);
  const off = m.u32(x.offset);
  const source = (): string => {
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }${DIMS}
  let ox = e % OW; let oy = (e / OW) % OH; let plane = e / (OW * OH);
  let base = mu(${off}u) + plane * H * W;
  let y0 = i32(oy) * SH - PH; let x0 = i32(ox) * SW - PW;
  var best = -inf_f();
  var at = -1;
  var done = false;
  for (var a = 0u; a < KH && !done; a++) {
    let iy = y0 + i32(a) * DH;
    if (iy < 0 || iy >= i32(H)) { continue; }
    for (var b = 0u; b < KW; b++) {
      let ix = x0 + i32(b) * DW;
      if (ix < 0 || ix >= i32(W)) { continue; }
      let pos = iy * i32(W) + ix;
      if (at < 0) { at = pos; }
      let v = x[base + u32(pos)];
      // NaN wins and ends the search, as in PyTorch.
      if (v > best || is_nan(v)) { best = v; at = pos; if (is_nan(v)) { done = true; break; } }
    }
  }
  values[e] = best;
  indices[e] = at;`;
    return (
      header(
        [{ name: 'x', type: 'f32' }],
        [
          { name: 'values', type: 'f32' },
          { name: 'indices', type: 'i32' },
        ],
      ) + entry(WG, body)
    );
  };
  rt.dispatch(
    { key: 'maxPool2d', inputs: 1, outputs: 2, source },
    [x.storage as GPUBuffer],
    [values, indices],
    m.u,
    Math.ceil(total / WG),
  );
  return { values, indices };
}

/**
 * The contract gives no window geometry here, so each output adds its gradient at its argmax
 * with a compare-and-swap loop on the f32 bits (overlapping windows may share an input).
 */
export function maxPool2dBackward(
  rt: Runtime,
  dy: TensorView,
  idx: TensorView,
  xShape: readonly number[],
): GPUBuffer {
  const total = xShape.reduce((a, b) => a * b, 1);
  const dx = fill(rt, total, 'float32', 0);
  const outs = dy.shape.reduce((a, b) => a * b, 1);
  const m = new Meta();
  m.all([outs, dy.shape[2] * dy.shape[3], xShape[2] * xShape[3], dy.offset, idx.offset]);
  const source = (): string => {
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }
  let plane = e / mu(1u);
  let at = ind[mu(4u) + e];
  if (at < 0i || at >= i32(mu(2u))) {
    report_index(${IndexOp.maxPool2dBackward}u, 2u, mu(2u), at);
    return;
  }
  let v = dy[mu(3u) + e];
  let slot = plane * mu(2u) + u32(at);
  var old = atomicLoad(&dx[slot]);
  loop {
    let r = atomicCompareExchangeWeak(&dx[slot], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`;
    return (
      header(
        [
          { name: 'dy', type: 'f32' },
          { name: 'ind', type: 'i32' },
        ],
        [{ name: 'dx', type: 'atomic<u32>' }, INDEX_ERROR_BINDING],
      ) +
      REPORT_INDEX +
      entry(WG, body)
    );
  };
  rt.dispatch(
    { key: 'maxPool2dBackward', inputs: 2, outputs: 2, source },
    [dy.storage as GPUBuffer, idx.storage as GPUBuffer],
    [dx, rt.indexErrors()],
    m.u,
    Math.ceil(outs / WG),
  );
  return dx;
}

/** Taps a (descending, so windows are visited in output order) whose window covers input row/col t. */
const COVER = (t: string, k: string, s: string, pad: string, o: string, out: string) => `
    let ${o}_t = i32(${t}) + ${pad} - i32(${k});
    if (${o}_t < 0 || ${o}_t % ${s} != 0) { continue; }
    let ${o} = u32(${o}_t / ${s});
    if (${o} >= ${out}) { continue; }`;

/** PyTorch's divisor of output (oy, ox): padded window size, or the part inside the input. */
const DIVISOR = `
fn divisor(o: u32, s: i32, pad: i32, k: u32, size: u32, include_pad: bool) -> i32 {
  let start = i32(o) * s - pad;
  let end = min(start + i32(k), i32(size) + pad);
  if (include_pad) { return end - start; }
  return min(end, i32(size)) - max(start, 0);
}`;

export function avgPool2d(
  rt: Runtime,
  x: TensorView,
  p: Pool2dParams,
  includePad: boolean,
  outShape: readonly number[],
): GPUBuffer {
  const total = outShape.reduce((a, b) => a * b, 1);
  const out = rt.createBuffer(total * 4);
  const m = poolMeta(x.shape, outShape, p, total);
  const off = m.u32(x.offset);
  const source = (): string => {
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }${DIMS}
  let ox = e % OW; let oy = (e / OW) % OH; let plane = e / (OW * OH);
  let base = mu(${off}u) + plane * H * W;
  let y0 = i32(oy) * SH - PH; let x0 = i32(ox) * SW - PW;
  let y1 = min(y0 + i32(KH), i32(H)); let x1 = min(x0 + i32(KW), i32(W));
  var s = 0.0;
  for (var iy = max(y0, 0); iy < y1; iy++) {
    for (var ix = max(x0, 0); ix < x1; ix++) { s += x[base + u32(iy) * W + u32(ix)]; }
  }
  let d = divisor(oy, SH, PH, KH, H, ${includePad}) * divisor(ox, SW, PW, KW, W, ${includePad});
  out[e] = s / f32(d);`;
    return header([{ name: 'x', type: 'f32' }], [{ name: 'out', type: 'f32' }]) + DIVISOR + entry(WG, body);
  };
  rt.dispatch(
    { key: `avgPool2d:${includePad}`, inputs: 1, outputs: 1, source },
    [x.storage as GPUBuffer],
    [out],
    m.u,
    Math.ceil(total / WG),
  );
  return out;
}

export function avgPool2dBackward(
  rt: Runtime,
  dy: TensorView,
  p: Pool2dParams,
  includePad: boolean,
  xShape: readonly number[],
): GPUBuffer {
  const total = xShape.reduce((a, b) => a * b, 1);
  const dx = rt.createBuffer(total * 4);
  const m = poolMeta(xShape, dy.shape, p, total);
  const off = m.u32(dy.offset);
  const source = (): string => {
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }${DIMS}
  let xx = e % W; let yy = (e / W) % H; let plane = e / (W * H);
  let ob = mu(${off}u) + plane * OH * OW;
  var s = 0.0;
  for (var ai = 0u; ai < KH; ai++) {
    let a = KH - 1u - ai;${COVER('yy', 'a', 'SH', 'PH', 'oy', 'OH')}
    for (var bi = 0u; bi < KW; bi++) {
      let b = KW - 1u - bi;${COVER('xx', 'b', 'SW', 'PW', 'ox', 'OW')}
      let d = divisor(oy, SH, PH, KH, H, ${includePad}) * divisor(ox, SW, PW, KW, W, ${includePad});
      s += dy[ob + oy * OW + ox] / f32(d);
    }
  }
  dx[e] = s;`;
    return header([{ name: 'dy', type: 'f32' }], [{ name: 'dx', type: 'f32' }]) + DIVISOR + entry(WG, body);
  };
  rt.dispatch(
    { key: `avgPool2dBackward:${includePad}`, inputs: 1, outputs: 1, source },
    [dy.storage as GPUBuffer],
    [dx],
    m.u,
    Math.ceil(total / WG),
  );
  return dx;
}
