import type { Conv2dParams, TensorView } from '@nn/tensor';
import { contiguousStrides } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { copyInto } from './elementwise.js';
import { matmul } from './matmul.js';
import { reduce } from './reduce.js';

// Conv as im2col + the batched matmul: cols[n] = the (cg*kh*kw) x (oh*ow) patch matrix of image
// n, y[n] = W_g cols[n]. Inputs arrive contiguous (the frontend makes them so).

const WG = 256;
/** Largest patch matrix built at once (floats); bigger batches go in chunks of images. */
const MAX_COLS = 1 << 24;

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  outC: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  g: number;
  cg: number;
  og: number;
  k: number;
  l: number;
  p: Conv2dParams;
}

function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  yShape: readonly number[],
  p: Conv2dParams,
): Geometry {
  const [n, c, h, w] = xShape;
  const [outC, cg, kh, kw] = wShape;
  const [, , oh, ow] = yShape;
  const g = p.groups;
  return { n, c, h, w, outC, kh, kw, oh, ow, g, cg, og: outC / g, k: cg * kh * kw, l: oh * ow, p };
}

function geoMeta(geo: Geometry): Meta {
  const m = new Meta();
  // 0 count, 1 n0, 2 grp, 3 offset: filled per call.
  m.all([0, 0, 0, 0]);
  const { c, h, w, kh, kw, ow, cg, k, l, p } = geo;
  m.all([c, h, w, kh, kw, ow, cg, k, l]);
  m.all([p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], geo.oh]);
  return m;
}

const GEO = `
  let C = mu(4u); let H = mu(5u); let W = mu(6u); let KH = mu(7u); let KW = mu(8u);
  let OW = mu(9u); let CG = mu(10u); let KK = mu(11u); let L = mu(12u);
  let SH = i32(mu(13u)); let SW = i32(mu(14u)); let PH = i32(mu(15u)); let PW = i32(mu(16u));
  let DH = i32(mu(17u)); let DW = i32(mu(18u)); let OH = mu(19u);`;

/** Patch matrices of images n0..n0+count of group grp: [count, K, L], or [count, L, K] when `transposed`. */
function im2col(
  rt: Runtime,
  x: TensorView,
  geo: Geometry,
  grp: number,
  n0: number,
  count: number,
  transposed: boolean,
): GPUBuffer {
  const total = count * geo.k * geo.l;
  const out = rt.createBuffer(total * 4);
  const m = geoMeta(geo);
  m.u[0] = total;
  m.u[1] = n0;
  m.u[2] = grp;
  m.u[3] = x.offset;
  const source = (): string => {
    const decode = transposed
      ? 'let kidx = e % KK; let l = (e / KK) % L; let n = e / (KK * L);'
      : 'let l = e % L; let kidx = (e / L) % KK; let n = e / (KK * L);';
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }${GEO}
  ${decode}
  let b = kidx % KW; let a = (kidx / KW) % KH; let ci = kidx / (KW * KH);
  let ox = l % OW; let oy = l / OW;
  let iy = i32(oy) * SH - PH + i32(a) * DH;
  let ix = i32(ox) * SW - PW + i32(b) * DW;
  var v = 0.0;
  if (iy >= 0 && iy < i32(H) && ix >= 0 && ix < i32(W)) {
    v = x[mu(3u) + ((mu(1u) + n) * C + mu(2u) * CG + ci) * H * W + u32(iy) * W + u32(ix)];
  }
  out[e] = v;`;
    return header([{ name: 'x', type: 'f32' }], [{ name: 'out', type: 'f32' }]) + entry(WG, body);
  };
  rt.dispatch(
    { key: `im2col:${transposed}`, inputs: 1, outputs: 1, source },
    [x.storage as GPUBuffer],
    [out],
    m.u,
    Math.ceil(total / WG),
  );
  return out;
}

/** dx[n, c, y, x] = sum of dcols over the taps that read (y, x): a gather, so no atomics. */
function col2im(
  rt: Runtime,
  dcols: GPUBuffer,
  geo: Geometry,
  grp: number,
  n0: number,
  count: number,
  dx: GPUBuffer,
): void {
  const total = count * geo.cg * geo.h * geo.w;
  const m = geoMeta(geo);
  m.u[0] = total;
  m.u[1] = n0;
  m.u[2] = grp;
  const source = (): string => {
    const body = `
  let e = gid;
  if (e >= mu(0u)) { return; }${GEO}
  let xx = e % W; let yy = (e / W) % H; let ci = (e / (W * H)) % CG; let n = e / (W * H * CG);
  var s = 0.0;
  for (var a = 0u; a < KH; a++) {
    let ty = i32(yy) + PH - i32(a) * DH;
    if (ty < 0 || ty % SH != 0) { continue; }
    let oy = u32(ty / SH);
    if (oy >= OH) { continue; }
    for (var b = 0u; b < KW; b++) {
      let tx = i32(xx) + PW - i32(b) * DW;
      if (tx < 0 || tx % SW != 0) { continue; }
      let ox = u32(tx / SW);
      if (ox >= OW) { continue; }
      s += dcols[(n * KK + (ci * KH + a) * KW + b) * L + oy * OW + ox];
    }
  }
  dx[(((mu(1u) + n) * C + mu(2u) * CG + ci) * H + yy) * W + xx] = s;`;
    return header([{ name: 'dcols', type: 'f32' }], [{ name: 'dx', type: 'f32' }]) + entry(WG, body);
  };
  rt.dispatch({ key: 'col2im', inputs: 1, outputs: 1, source }, [dcols], [dx], m.u, Math.ceil(total / WG));
}

function chunk(geo: Geometry): number {
  return Math.max(1, Math.min(geo.n, Math.floor(MAX_COLS / Math.max(1, geo.k * geo.l))));
}

const view = (
  storage: GPUBuffer,
  shape: number[],
  strides: number[] = contiguousStrides(shape),
  offset = 0,
): TensorView => ({
  storage,
  dtype: 'float32',
  shape,
  strides,
  offset,
});

export function conv2d(
  rt: Runtime,
  x: TensorView,
  wt: TensorView,
  p: Conv2dParams,
  outShape: readonly number[],
): GPUBuffer {
  const geo = geometry(x.shape, wt.shape, outShape, p);
  const { n, outC, og, k, l, g } = geo;
  const out = rt.createBuffer(n * outC * l * 4);
  const step = chunk(geo);
  for (let n0 = 0; n0 < n; n0 += step) {
    const count = Math.min(step, n - n0);
    for (let grp = 0; grp < g; grp++) {
      const cols = im2col(rt, x, geo, grp, n0, count, false);
      // W_g broadcast over the images of the chunk: batch stride 0.
      const w = view(wt.storage as GPUBuffer, [count, og, k], [0, k, 1], wt.offset + grp * og * k);
      const y = matmul(rt, w, view(cols, [count, k, l]));
      rt.free(cols);
      copyInto(rt, view(y, [count, og, l]), {
        buffer: out,
        strides: [outC * l, l, 1],
        offset: (n0 * outC + grp * og) * l,
      });
      rt.free(y);
    }
  }
  return out;
}

export function conv2dBackwardInput(
  rt: Runtime,
  dy: TensorView,
  wt: TensorView,
  p: Conv2dParams,
  xShape: readonly number[],
): GPUBuffer {
  const geo = geometry(xShape, wt.shape, dy.shape, p);
  const { n, c, h, w, outC, og, k, l, g } = geo;
  const dx = rt.createBuffer(n * c * h * w * 4);
  const step = chunk(geo);
  for (let n0 = 0; n0 < n; n0 += step) {
    const count = Math.min(step, n - n0);
    for (let grp = 0; grp < g; grp++) {
      // dcols[n] = W_g^T [k, og] dy_g[n] [og, l]
      const wT = view(wt.storage as GPUBuffer, [count, k, og], [0, 1, k], wt.offset + grp * og * k);
      const dyg = view(
        dy.storage as GPUBuffer,
        [count, og, l],
        [outC * l, l, 1],
        dy.offset + (n0 * outC + grp * og) * l,
      );
      const dcols = matmul(rt, wT, dyg);
      col2im(rt, dcols, geo, grp, n0, count, dx);
      rt.free(dcols);
    }
  }
  return dx;
}

export function conv2dBackwardWeight(
  rt: Runtime,
  x: TensorView,
  dy: TensorView,
  p: Conv2dParams,
  wShape: readonly number[],
): GPUBuffer {
  const geo = geometry(x.shape, wShape, dy.shape, p);
  const { n, outC, og, k, l, g } = geo;
  const dw = rt.createBuffer(outC * k * 4);
  const step = chunk(geo);
  const partials: GPUBuffer[] = [];
  for (let grp = 0; grp < g; grp++) {
    const sums: GPUBuffer[] = [];
    for (let n0 = 0; n0 < n; n0 += step) {
      const count = Math.min(step, n - n0);
      // Per image dy_g[n] [og, l] times cols[n]^T [l, k], then summed over the images.
      const colsT = im2col(rt, x, geo, grp, n0, count, true);
      const dyg = view(
        dy.storage as GPUBuffer,
        [count, og, l],
        [outC * l, l, 1],
        dy.offset + (n0 * outC + grp * og) * l,
      );
      const per = matmul(rt, dyg, view(colsT, [count, l, k]));
      rt.free(colsT);
      sums.push(reduce(rt, 'sum', view(per, [count, og, k]), [0]));
      rt.free(per);
    }
    let total = sums[0];
    for (let i = 1; i < sums.length; i++) {
      total = addInto(rt, total, sums[i], og * k);
    }
    partials.push(total);
    copyInto(rt, view(total, [og * k]), { buffer: dw, strides: [1], offset: grp * og * k });
  }
  for (const b of partials) rt.free(b);
  return dw;
}

/** a + b as a new buffer; frees a and b. */
function addInto(rt: Runtime, a: GPUBuffer, b: GPUBuffer, n: number): GPUBuffer {
  const m = new Meta();
  m.u32(n);
  const source = (): string =>
    header(
      [
        { name: 'a', type: 'f32' },
        { name: 'b', type: 'f32' },
      ],
      [{ name: 'out', type: 'f32' }],
    ) + entry(WG, '  if (gid >= mu(0u)) { return; }\n  out[gid] = a[gid] + b[gid];');
  const out = rt.createBuffer(n * 4);
  rt.dispatch({ key: 'addFlat', inputs: 2, outputs: 1, source }, [a, b], [out], m.u, Math.ceil(n / WG));
  rt.free(a);
  rt.free(b);
  return out;
}
