import type { Conv2dParams, TensorView } from '@nn/tensor';
import { type Conv2dGeometry, conv2dGeometry } from '@nn/tensor/internal';
import { contiguousStrides } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { cast, copyInto, fill } from './elementwise.js';
import { matmul } from './matmul.js';
import { reduce } from './reduce.js';

// Conv as im2col + the batched matmul: cols[n] = the (cg*kh*kw) x (oh*ow) patch matrix of image
// n, y[n] = W_g cols[n]. Inputs arrive contiguous (the frontend makes them so).

const WG = 256;
/** Largest patch matrix built at once (floats); bigger batches go in chunks of images. */
const MAX_COLS = 1 << 24;

function geoMeta(geo: Conv2dGeometry): Meta {
  const m = new Meta();
  // 0 count, 1 n0, 2 grp, 3 offset: filled per call.
  m.all([0, 0, 0, 0]);
  const { c, h, w, kh, kw, ow, cg, k, l, p } = geo;
  m.all([c, h, w, kh, kw, ow, cg, k, l]);
  m.all([p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], geo.oh]);
  m.all([pad4(k), pad4(l)]);
  return m;
}

/** Patch rows and columns are padded with zeros to whole vec4s, so the vec4 matmul applies. */
const pad4 = (v: number): number => Math.ceil(v / 4) * 4;

const GEO = `
  let C = mu(4u); let H = mu(5u); let W = mu(6u); let KH = mu(7u); let KW = mu(8u);
  let OW = mu(9u); let CG = mu(10u); let KK = mu(11u); let L = mu(12u);
  let SH = i32(mu(13u)); let SW = i32(mu(14u)); let PH = i32(mu(15u)); let PW = i32(mu(16u));
  let DH = i32(mu(17u)); let DW = i32(mu(18u)); let OH = mu(19u); let KP = mu(20u); let LP = mu(21u);`;

/**
 * Patch matrices of images n0..n0+count of group grp, zero-padded to [count, KP, LP] (one
 * invocation per output row of one patch row), or to [count, LP, KP] when `transposed` (one
 * invocation per output position, walking its patch).
 */
function im2col(
  rt: Runtime,
  x: TensorView,
  geo: Conv2dGeometry,
  grp: number,
  n0: number,
  count: number,
  transposed: boolean,
): GPUBuffer {
  const kp = pad4(geo.k);
  const lp = pad4(geo.l);
  const out = rt.createBuffer(count * kp * lp * 4);
  const threads = transposed ? count * lp : count * kp * geo.oh;
  const m = geoMeta(geo);
  m.u[0] = threads;
  m.u[1] = n0;
  m.u[2] = grp;
  m.u[3] = x.offset;
  const source = (): string => {
    const body = transposed
      ? `
  let e = gid;
  if (e >= mu(0u)) { return; }${GEO}
  let l = e % LP; let n = e / LP;
  let row = (n * LP + l) * KP;
  var k = 0u;
  if (l < L) {
    let ox = l % OW; let oy = l / OW;
    for (var ci = 0u; ci < CG; ci++) {
      let base = mu(3u) + ((mu(1u) + n) * C + mu(2u) * CG + ci) * H * W;
      for (var a = 0u; a < KH; a++) {
        let iy = i32(oy) * SH - PH + i32(a) * DH;
        for (var b = 0u; b < KW; b++) {
          let ix = i32(ox) * SW - PW + i32(b) * DW;
          var v = 0.0;
          if (iy >= 0 && iy < i32(H) && ix >= 0 && ix < i32(W)) { v = x[base + u32(iy) * W + u32(ix)]; }
          out[row + k] = v;
          k++;
        }
      }
    }
  }
  for (; k < KP; k++) { out[row + k] = 0.0; }`
      : `
  let e = gid;
  if (e >= mu(0u)) { return; }${GEO}
  let oy = e % OH; let kidx = (e / OH) % KP; let n = e / (OH * KP);
  let row = (n * KP + kidx) * LP;
  let dst = row + oy * OW;
  if (kidx < KK) {
    let b = kidx % KW; let a = (kidx / KW) % KH; let ci = kidx / (KW * KH);
    let iy = i32(oy) * SH - PH + i32(a) * DH;
    let base = mu(3u) + ((mu(1u) + n) * C + mu(2u) * CG + ci) * H * W;
    let inside = iy >= 0 && iy < i32(H);
    for (var ox = 0u; ox < OW; ox++) {
      let ix = i32(ox) * SW - PW + i32(b) * DW;
      var v = 0.0;
      if (inside && ix >= 0 && ix < i32(W)) { v = x[base + u32(iy) * W + u32(ix)]; }
      out[dst + ox] = v;
    }
  } else {
    for (var ox = 0u; ox < OW; ox++) { out[dst + ox] = 0.0; }
  }
  if (oy + 1u == OH) { for (var l = L; l < LP; l++) { out[row + l] = 0.0; } }`;
    return header([{ name: 'x', type: 'f32' }], [{ name: 'out', type: 'f32' }]) + entry(WG, body);
  };
  rt.dispatch(
    { key: `im2col:${transposed}`, inputs: 1, outputs: 1, source },
    [x.storage as GPUBuffer],
    [out],
    m.u,
    Math.ceil(threads / WG),
  );
  return out;
}

/** dx[n, c, y, x] = sum of dcols [count, K, LP] over the taps that read (y, x): a gather, so no atomics. */
function col2im(
  rt: Runtime,
  dcols: GPUBuffer,
  geo: Conv2dGeometry,
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
      s += dcols[(n * KK + (ci * KH + a) * KW + b) * LP + oy * OW + ox];
    }
  }
  dx[(((mu(1u) + n) * C + mu(2u) * CG + ci) * H + yy) * W + xx] = s;`;
    return header([{ name: 'dcols', type: 'f32' }], [{ name: 'dx', type: 'f32' }]) + entry(WG, body);
  };
  rt.dispatch({ key: 'col2im', inputs: 1, outputs: 1, source }, [dcols], [dx], m.u, Math.ceil(total / WG));
}

function chunk(geo: Conv2dGeometry): number {
  return Math.max(1, Math.min(geo.n, Math.floor(MAX_COLS / Math.max(1, pad4(geo.k) * pad4(geo.l)))));
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

/** A copy of `src` (any strides) into a zeroed contiguous buffer of `padded` shape. */
function padded(rt: Runtime, src: TensorView, paddedShape: number[]): GPUBuffer {
  const out = fill(
    rt,
    paddedShape.reduce((a, b) => a * b, 1),
    'float32',
    0,
  );
  copyInto(rt, src, { buffer: out, strides: contiguousStrides(paddedShape), offset: 0 });
  return out;
}

/**
 * dy's group grp for images n0..n0+count as [count, og, LP]: a view when L is already a whole
 * number of vec4s, else a zero-padded copy (`temp`, to free after use).
 */
function dyPadded(
  rt: Runtime,
  dy: TensorView,
  geo: Conv2dGeometry,
  grp: number,
  n0: number,
  count: number,
): { v: TensorView; temp: GPUBuffer | null } {
  const { outC, og, l } = geo;
  const src = view(
    dy.storage as GPUBuffer,
    [count, og, l],
    [outC * l, l, 1],
    dy.offset + (n0 * outC + grp * og) * l,
  );
  if (l === pad4(l)) return { v: src, temp: null };
  const lp = pad4(l);
  const temp = padded(rt, src, [count, og, lp]);
  return { v: view(temp, [count, og, lp]), temp };
}

export function conv2d(
  rt: Runtime,
  x: TensorView,
  wt: TensorView,
  p: Conv2dParams,
  outShape: readonly number[],
): GPUBuffer {
  const geo = conv2dGeometry(x.shape, wt.shape, outShape, p);
  const { n, outC, og, k, l, g } = geo;
  const kp = pad4(k);
  const lp = pad4(l);
  const out = rt.createBuffer(n * outC * l * 4);
  const step = chunk(geo);
  const wp = Array.from({ length: g }, (_, grp) =>
    padded(rt, view(wt.storage as GPUBuffer, [og, k], [k, 1], wt.offset + grp * og * k), [og, kp]),
  );
  for (let n0 = 0; n0 < n; n0 += step) {
    const count = Math.min(step, n - n0);
    for (let grp = 0; grp < g; grp++) {
      const cols = im2col(rt, x, geo, grp, n0, count, false);
      // W_g broadcast over the images of the chunk: batch stride 0.
      const y = matmul(rt, view(wp[grp], [count, og, kp], [0, kp, 1]), view(cols, [count, kp, lp]));
      rt.free(cols);
      copyInto(rt, view(y, [count, og, l], [og * lp, lp, 1]), {
        buffer: out,
        strides: [outC * l, l, 1],
        offset: (n0 * outC + grp * og) * l,
      });
      rt.free(y);
    }
  }
  for (const b of wp) rt.free(b);
  return out;
}

export function conv2dBackwardInput(
  rt: Runtime,
  dy: TensorView,
  wt: TensorView,
  p: Conv2dParams,
  xShape: readonly number[],
): GPUBuffer {
  const geo = conv2dGeometry(xShape, wt.shape, dy.shape, p);
  const { n, c, h, w, og, k, g } = geo;
  const dx = rt.createBuffer(n * c * h * w * 4);
  const step = chunk(geo);
  // W_g^T [k, og], made contiguous once and broadcast over the images.
  const wT = Array.from({ length: g }, (_, grp) =>
    cast(rt, view(wt.storage as GPUBuffer, [k, og], [1, k], wt.offset + grp * og * k), 'float32'),
  );
  for (let n0 = 0; n0 < n; n0 += step) {
    const count = Math.min(step, n - n0);
    for (let grp = 0; grp < g; grp++) {
      const dyp = dyPadded(rt, dy, geo, grp, n0, count);
      const dcols = matmul(rt, view(wT[grp], [count, k, og], [0, og, 1]), dyp.v);
      if (dyp.temp) rt.free(dyp.temp);
      col2im(rt, dcols, geo, grp, n0, count, dx);
      rt.free(dcols);
    }
  }
  for (const b of wT) rt.free(b);
  return dx;
}

export function conv2dBackwardWeight(
  rt: Runtime,
  x: TensorView,
  dy: TensorView,
  p: Conv2dParams,
  wShape: readonly number[],
): GPUBuffer {
  const geo = conv2dGeometry(x.shape, wShape, dy.shape, p);
  const { n, outC, og, k, l, g } = geo;
  const kp = pad4(k);
  const lp = pad4(l);
  const dw = rt.createBuffer(outC * k * 4);
  const step = chunk(geo);
  for (let grp = 0; grp < g; grp++) {
    let total: GPUBuffer | null = null;
    for (let n0 = 0; n0 < n; n0 += step) {
      const count = Math.min(step, n - n0);
      // Per image dy_g[n] [og, LP] times cols[n]^T [LP, KP], then summed over the images.
      const colsT = im2col(rt, x, geo, grp, n0, count, true);
      const dyp = dyPadded(rt, dy, geo, grp, n0, count);
      const per = matmul(rt, dyp.v, view(colsT, [count, lp, kp]));
      rt.free(colsT);
      if (dyp.temp) rt.free(dyp.temp);
      const sum = reduce(rt, 'sum', view(per, [count, og, kp]), [0]);
      rt.free(per);
      total = total ? addInto(rt, total, sum, og * kp) : sum;
    }
    copyInto(rt, view(total!, [og, k], [kp, 1]), { buffer: dw, strides: [k, 1], offset: grp * og * k });
    rt.free(total!);
  }
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
