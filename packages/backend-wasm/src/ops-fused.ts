import { type AdamStepArgs, type SgdStepArgs, sizeOf, type TensorView } from '@nn/tensor';
import { allocOut, type Ctx } from './context.js';
import type { WasmStorage } from './heap.js';
import { arrayOf, baseIndex, basePtr, isContiguousView, offsets } from './strided.js';

function outBase(out: WasmStorage, v: TensorView): number {
  return baseIndex({ storage: out, dtype: v.dtype, shape: [1], strides: [1], offset: 0 });
}

/** Row layout of `axis`: offsets of the kept positions, the axis length/stride, and the output's inner size. */
function rows(x: TensorView, axis: number) {
  const kept = x.shape.filter((_, i) => i !== axis);
  return {
    starts: offsets(
      kept,
      x.strides.filter((_, i) => i !== axis),
    ),
    len: x.shape[axis],
    stride: x.strides[axis],
    post: sizeOf(x.shape.slice(axis + 1)),
  };
}

/** float32 rows along the last axis of contiguous views run in AssemblyScript. */
function lastAxisRows(axis: number, ...views: TensorView[]): boolean {
  const v = views[0];
  return (
    v.dtype === 'float32' &&
    axis === v.shape.length - 1 &&
    views.every((t) => isContiguousView(t.shape, t.strides))
  );
}

export function softmax(ctx: Ctx, x: TensorView, axis: number, log: boolean): WasmStorage {
  const out = allocOut(ctx, sizeOf(x.shape), x.dtype);
  if (lastAxisRows(axis, x)) {
    const len = x.shape[axis];
    ctx.k.softmaxRowsF32(out.ptr, basePtr(x), len === 0 ? 0 : sizeOf(x.shape) / len, len, log ? 1 : 0);
    return out;
  }
  const a = arrayOf(ctx.heap, x.dtype);
  const xb = baseIndex(x);
  const db = outBase(out, x);
  const { starts, len, stride, post } = rows(x, axis);
  for (let o = 0; o < starts.length; o++) {
    const s = xb + starts[o];
    const q = o % post;
    const d = db + (o - q) * len + q;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < len; j++) {
      const v = a[s + j * stride];
      if (v > m || Number.isNaN(v)) m = v;
    }
    let sum = 0;
    for (let j = 0; j < len; j++) sum += Math.exp(a[s + j * stride] - m);
    if (log) {
      const lse = m + Math.log(sum);
      for (let j = 0; j < len; j++) a[d + j * post] = a[s + j * stride] - lse;
    } else {
      const inv = 1 / sum;
      for (let j = 0; j < len; j++) a[d + j * post] = Math.exp(a[s + j * stride] - m) * inv;
    }
  }
  return out;
}

export function softmaxBackward(
  ctx: Ctx,
  y: TensorView,
  dy: TensorView,
  axis: number,
  log: boolean,
): WasmStorage {
  const out = allocOut(ctx, sizeOf(y.shape), y.dtype);
  if (lastAxisRows(axis, y, dy)) {
    const len = y.shape[axis];
    const rowsN = len === 0 ? 0 : sizeOf(y.shape) / len;
    ctx.k.softmaxBackwardRowsF32(out.ptr, basePtr(y), basePtr(dy), rowsN, len, log ? 1 : 0);
    return out;
  }
  const a = arrayOf(ctx.heap, y.dtype);
  const yb = baseIndex(y);
  const gb = baseIndex(dy);
  const db = outBase(out, y);
  const ry = rows(y, axis);
  const rg = rows(dy, axis);
  const { len, post } = ry;
  for (let o = 0; o < ry.starts.length; o++) {
    const sy = yb + ry.starts[o];
    const sg = gb + rg.starts[o];
    const q = o % post;
    const d = db + (o - q) * len + q;
    let dot = 0;
    if (log) {
      for (let j = 0; j < len; j++) dot += a[sg + j * rg.stride];
      for (let j = 0; j < len; j++)
        a[d + j * post] = a[sg + j * rg.stride] - Math.exp(a[sy + j * ry.stride]) * dot;
    } else {
      for (let j = 0; j < len; j++) dot += a[sg + j * rg.stride] * a[sy + j * ry.stride];
      for (let j = 0; j < len; j++) {
        const yv = a[sy + j * ry.stride];
        a[d + j * post] = yv * (a[sg + j * rg.stride] - dot);
      }
    }
  }
  return out;
}

/** Element index lists for each view (null = contiguous). */
function flat(v: TensorView): Int32Array | null {
  let contiguous = true;
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] === 1) continue;
    if (v.strides[i] !== expected) contiguous = false;
    expected *= v.shape[i];
  }
  return contiguous ? null : offsets(v.shape, v.strides);
}

export function adamStep(
  ctx: Ctx,
  args: AdamStepArgs,
): { p: WasmStorage; m: WasmStorage; v: WasmStorage; vMax?: WasmStorage } {
  const { p, g, m, v, vMax } = args;
  const n = sizeOf(p.shape);
  const outP = allocOut(ctx, n, p.dtype);
  const outM = allocOut(ctx, n, p.dtype);
  const outV = allocOut(ctx, n, p.dtype);
  const outX = vMax ? allocOut(ctx, n, p.dtype) : undefined;
  const [po, go, mo, vo] = [flat(p), flat(g), flat(m), flat(v)];
  const xo = vMax ? flat(vMax) : null;
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = args;
  const bc1 = 1 - beta1 ** step;
  const sqrtBc2 = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  if (p.dtype === 'float32' && !po && !go && !mo && !vo && !xo) {
    ctx.k.adamF32(
      n,
      basePtr(p),
      basePtr(g),
      basePtr(m),
      basePtr(v),
      vMax ? basePtr(vMax) : 0,
      outP.ptr,
      outM.ptr,
      outV.ptr,
      outX ? outX.ptr : 0,
      beta1,
      beta2,
      1 - beta1,
      1 - beta2,
      eps,
      decoupled ? 0 : weightDecay,
      decay,
      stepSize,
      1 / sqrtBc2,
    );
    return outX ? { p: outP, m: outM, v: outV, vMax: outX } : { p: outP, m: outM, v: outV };
  }
  const a = arrayOf(ctx.heap, p.dtype);
  const [pb, gb, mb, vb] = [baseIndex(p), baseIndex(g), baseIndex(m), baseIndex(v)];
  const xb = vMax ? baseIndex(vMax) : 0;
  const [dp, dm, dv] = [outBase(outP, p), outBase(outM, p), outBase(outV, p)];
  const dx = outX ? outBase(outX, p) : 0;
  for (let i = 0; i < n; i++) {
    let pv = a[pb + (po ? po[i] : i)];
    let gv = a[gb + (go ? go[i] : i)];
    if (!decoupled && weightDecay !== 0) gv += weightDecay * pv;
    pv *= decay;
    const mv = beta1 * a[mb + (mo ? mo[i] : i)] + (1 - beta1) * gv;
    const vv = beta2 * a[vb + (vo ? vo[i] : i)] + (1 - beta2) * gv * gv;
    a[dm + i] = mv;
    a[dv + i] = vv;
    let vUse = a[dv + i];
    if (outX) {
      const prev = a[xb + (xo ? xo[i] : i)];
      vUse = Math.max(prev, vUse);
      a[dx + i] = vUse;
    }
    a[dp + i] = pv - (stepSize * a[dm + i]) / (Math.sqrt(vUse) / sqrtBc2 + eps);
  }
  return outX ? { p: outP, m: outM, v: outV, vMax: outX } : { p: outP, m: outM, v: outV };
}

export function sgdStep(ctx: Ctx, args: SgdStepArgs): { p: WasmStorage; buf?: WasmStorage } {
  const { p, g, buf } = args;
  const n = sizeOf(p.shape);
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = args;
  const useBuf = momentum !== 0;
  const outP = allocOut(ctx, n, p.dtype);
  const outB = useBuf ? allocOut(ctx, n, p.dtype) : undefined;
  const [po, go] = [flat(p), flat(g)];
  const bo = buf ? flat(buf) : null;
  const first = firstStep || !buf;
  if (p.dtype === 'float32' && !po && !go && !bo) {
    const bufPtr = buf && !first ? basePtr(buf) : 0;
    ctx.k.sgdF32(
      n,
      basePtr(p),
      basePtr(g),
      bufPtr,
      outP.ptr,
      outB ? outB.ptr : 0,
      lr,
      momentum,
      dampening,
      weightDecay,
      nesterov ? 1 : 0,
      first ? 1 : 0,
    );
    return outB ? { p: outP, buf: outB } : { p: outP };
  }
  const a = arrayOf(ctx.heap, p.dtype);
  const pb = baseIndex(p);
  const gb = baseIndex(g);
  const bb = buf ? baseIndex(buf) : 0;
  const dp = outBase(outP, p);
  const db = outB ? outBase(outB, p) : 0;
  for (let i = 0; i < n; i++) {
    const pv = a[pb + (po ? po[i] : i)];
    let d = a[gb + (go ? go[i] : i)];
    if (weightDecay !== 0) d += weightDecay * pv;
    if (outB) {
      const b = firstStep || !buf ? d : momentum * a[bb + (bo ? bo[i] : i)] + (1 - dampening) * d;
      a[db + i] = b;
      const bv = a[db + i];
      d = nesterov ? d + momentum * bv : bv;
    }
    a[dp + i] = pv - lr * d;
  }
  return outB ? { p: outP, buf: outB } : { p: outP };
}
