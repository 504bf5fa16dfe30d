import type { TensorView } from '@nn/tensor';
import { INDEX_ERROR_BINDING, IndexOp, REPORT_INDEX } from '../index-errors.js';
import { contiguousStrides, numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta, wgslType } from '../wgsl.js';
import { copyInto, fill } from './elementwise.js';

const WG = 256;

/** Coordinate loop over `rank` dims of shape at `shapeAt`, adding `c * stride` for each listed stride base. */
function walk(
  rank: number,
  shapeAt: number,
  index: string,
  accs: readonly { name: string; at: number }[],
  coords: boolean,
): string {
  const lines = [`  var rem = ${index};`];
  for (const a of accs) lines.push(`  var ${a.name} = 0u;`);
  if (coords) lines.push(`  var cs: array<u32, ${Math.max(rank, 1)}>;`);
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(
      d > 0 ? `  { let c = rem % mu(${shapeAt + d}u); rem = rem / mu(${shapeAt + d}u);` : '  { let c = rem;',
    );
    for (const a of accs) lines.push(`    ${a.name} += c * mu(${a.at + d}u);`);
    if (coords) lines.push(`    cs[${d}] = c;`);
    lines.push('  }');
  }
  return lines.join('\n');
}

/**
 * The op a gather serves, told apart by its index layout: the frontend's indexSelect (and so
 * embedding) broadcasts a 1-D index over every other dim of x.
 */
function gatherOp(x: TensorView, dim: number, index: TensorView): number {
  if (index.shape.length <= 1) return IndexOp.gather1d;
  const selects = index.shape.every((s, d) => d === dim || (index.strides[d] === 0 && s === x.shape[d]));
  return selects ? IndexOp.indexSelect : IndexOp.gather;
}

/**
 * torch.gather. An out-of-range index reads 0 and is recorded in the runtime's index-error
 * record, which the next read reports.
 */
export function gather(rt: Runtime, x: TensorView, dim: number, index: TensorView): GPUBuffer {
  const r = index.shape.length;
  const n = numel(index.shape);
  const out = rt.createBuffer(n * 4);
  if (n === 0) return out;
  const m = new Meta();
  m.u32(n);
  m.u32(index.offset);
  m.u32(x.offset);
  m.u32(x.strides[dim] ?? 0);
  m.u32(x.shape[dim] ?? 1);
  m.u32(dim);
  m.u32(gatherOp(x, dim, index));
  const shapeAt = m.all(index.shape);
  const isAt = m.all(index.strides);
  const xsAt = m.all(x.strides.map((s, d) => (d === dim ? 0 : s)));
  const type = wgslType(x.dtype);
  const key = `gather:${type}:r${r}`;
  const source = (): string => {
    const body = `
  if (gid >= mu(0u)) { return; }
${walk(
  r,
  shapeAt,
  'gid',
  [
    { name: 'io', at: isAt },
    { name: 'xo', at: xsAt },
  ],
  false,
)}
  let v = idx[mu(1u) + io];
  if (v < 0i || v >= i32(mu(4u))) {
    report_index(mu(6u), mu(5u), mu(4u), v);
    out[gid] = ${type}(0);
    return;
  }
  out[gid] = x[mu(2u) + xo + u32(v) * mu(3u)];`;
    return (
      header(
        [
          { name: 'x', type },
          { name: 'idx', type: 'i32' },
        ],
        [{ name: 'out', type }, INDEX_ERROR_BINDING],
      ) +
      REPORT_INDEX +
      entry(WG, body)
    );
  };
  rt.dispatch(
    { key, inputs: 2, outputs: 2, source },
    [x.storage as GPUBuffer, index.storage as GPUBuffer],
    [out, rt.indexErrors()],
    m.u,
    Math.ceil(n / WG),
  );
  return out;
}

/** Longest index run along dim that one invocation per output scans; longer ones use atomics. */
const SCAN_LIMIT = 64;

/**
 * zeros(shape), then out[index along dim] += src. One invocation per output element scans the
 * index along dim, so sums need no atomics and keep the cpu backend's order; when that run is
 * long (an embedding's gradient over many tokens) each source element adds itself instead.
 */
export function scatterAdd(
  rt: Runtime,
  shape: readonly number[],
  dim: number,
  index: TensorView,
  src: TensorView,
): GPUBuffer {
  const r = shape.length;
  const n = numel(shape);
  if (n > 0 && (index.shape[dim] ?? 1) > SCAN_LIMIT && src.dtype !== 'bool')
    return scatterAtomic(rt, shape, dim, index, src);
  const out = rt.createBuffer(n * 4);
  if (n === 0) return out;
  const m = new Meta();
  m.u32(n);
  m.u32(index.offset);
  m.u32(src.offset);
  m.u32(index.shape[dim] ?? 1);
  m.u32(index.strides[dim] ?? 0);
  m.u32(src.strides[dim] ?? 0);
  m.u32(dim);
  m.u32(shape[dim] ?? 1);
  const shapeAt = m.all(shape);
  // Other dims may be shorter in index than in the output: those output elements stay zero.
  const boundAt = m.all(index.shape.map((s, d) => (d === dim ? 0xffffffff : s)));
  const isAt = m.all(index.strides.map((s, d) => (d === dim ? 0 : s)));
  const ssAt = m.all(src.strides.map((s, d) => (d === dim ? 0 : s)));
  const type = wgslType(src.dtype);
  const key = `scatterAdd:${type}:r${r}`;
  const source = (): string => {
    const zero = type === 'f32' ? '0.0' : `${type}(0)`;
    const bounds =
      Array.from({ length: r }, (_, d) => `cs[${d}] >= mu(${boundAt + d}u)`).join(' || ') || 'false';
    const body = `
  if (gid >= mu(0u)) { return; }
${walk(
  r,
  shapeAt,
  'gid',
  [
    { name: 'io', at: isAt },
    { name: 'so', at: ssAt },
  ],
  true,
)}
  var acc = ${zero};
  if (!(${bounds})) {
    let want = i32(${r > 0 ? 'cs[mu(6u)]' : '0u'});
    for (var j = 0u; j < mu(3u); j++) {
      let v = idx[mu(1u) + io + j * mu(4u)];
      if (v == want) { acc += src[mu(2u) + so + j * mu(5u)]; }
      // Matches no output, so it would be dropped silently.
      if (v < 0i || v >= i32(mu(7u))) { report_index(${IndexOp.scatterAdd}u, mu(6u), mu(7u), v); }
    }
  }
  out[gid] = acc;`;
    return (
      header(
        [
          { name: 'idx', type: 'i32' },
          { name: 'src', type },
        ],
        [{ name: 'out', type }, INDEX_ERROR_BINDING],
      ) +
      REPORT_INDEX +
      entry(WG, body)
    );
  };
  rt.dispatch(
    { key, inputs: 2, outputs: 2, source },
    [index.storage as GPUBuffer, src.storage as GPUBuffer],
    [out, rt.indexErrors()],
    m.u,
    Math.ceil(n / WG),
  );
  return out;
}

/** Each input copied into its slab of the output along `axis`. */
export function concat(
  rt: Runtime,
  inputs: readonly TensorView[],
  axis: number,
  outShape: readonly number[],
): GPUBuffer {
  const out = rt.createBuffer(numel(outShape) * 4);
  const strides = contiguousStrides(outShape);
  let at = 0;
  for (const x of inputs) {
    copyInto(rt, x, { buffer: out, strides, offset: at * (strides[axis] ?? 0) });
    at += x.shape[axis] ?? 0;
  }
  return out;
}

/**
 * One invocation per index element adds its source value at its target: atomicAdd for int32,
 * a compare-and-swap loop on the bits for float32 (the order of the additions is not fixed).
 */
function scatterAtomic(
  rt: Runtime,
  shape: readonly number[],
  dim: number,
  index: TensorView,
  src: TensorView,
): GPUBuffer {
  const r = shape.length;
  const out = fill(rt, numel(shape), src.dtype, 0);
  const count = numel(index.shape);
  if (count === 0) return out;
  const outStrides = contiguousStrides(shape);
  const m = new Meta();
  m.all([count, index.offset, src.offset, outStrides[dim], shape[dim], dim]);
  const shapeAt = m.all(index.shape);
  const isAt = m.all(index.strides);
  const ssAt = m.all(src.strides);
  const osAt = m.all(outStrides.map((s, d) => (d === dim ? 0 : s)));
  const type = wgslType(src.dtype);
  const source = (): string => {
    const add =
      type === 'i32'
        ? '  atomicAdd(&out[slot], v);'
        : `  var old = atomicLoad(&out[slot]);
  loop {
    let r = atomicCompareExchangeWeak(&out[slot], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`;
    const body = `
  if (gid >= mu(0u)) { return; }
${walk(
  r,
  shapeAt,
  'gid',
  [
    { name: 'io', at: isAt },
    { name: 'so', at: ssAt },
    { name: 'oo', at: osAt },
  ],
  false,
)}
  let i = idx[mu(1u) + io];
  if (i < 0i || i >= i32(mu(4u))) {
    report_index(${IndexOp.scatterAdd}u, mu(5u), mu(4u), i);
    return;
  }
  let v = src[mu(2u) + so];
  let slot = oo + u32(i) * mu(3u);
${add}`;
    return (
      header(
        [
          { name: 'idx', type: 'i32' },
          { name: 'src', type },
        ],
        [{ name: 'out', type: type === 'i32' ? 'atomic<i32>' : 'atomic<u32>' }, INDEX_ERROR_BINDING],
      ) +
      REPORT_INDEX +
      entry(WG, body)
    );
  };
  rt.dispatch(
    { key: `scatterAtomic:${type}:r${r}`, inputs: 2, outputs: 2, source },
    [index.storage as GPUBuffer, src.storage as GPUBuffer],
    [out, rt.indexErrors()],
    m.u,
    Math.ceil(count / WG),
  );
  return out;
}
