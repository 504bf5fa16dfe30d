import type { TensorView } from '@nn/tensor';
import { collapse, numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { cast } from './elementwise.js';
import { LANES, scalarSpec, VEC_TILE, vec4Spec } from './matmul-direct.js';
import { isTransposed4, transpose4 } from './transpose.js';

// Output tile BM x BN per workgroup; each of the TX*TY invocations keeps a TM x TN block of
// sums in registers, fed from BK-deep slices of A and B staged in workgroup memory.
const BM = 64;
const BN = 64;
const BK = 16;
const TM = 4;
const TN = 4;
const TX = BN / TN;
const TY = BM / TM;
const WG = TX * TY;

/** The workgroup-memory tiling for GPUs. */
function tiled(rt: Runtime, a: TensorView, b: TensorView): GPUBuffer {
  const r = a.shape.length;
  const M = a.shape[r - 2];
  const K = a.shape[r - 1];
  const N = b.shape[r - 1];
  const batchShape = a.shape.slice(0, r - 2);
  const B = numel(batchShape);
  const out = rt.createBuffer(B * M * N * 4);
  if (B * M * N === 0) return out;
  const batch = collapse(batchShape, [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)]);
  const rb = batch.shape.length;

  const m = new Meta();
  m.u32(M);
  m.u32(N);
  m.u32(K);
  m.u32(B);
  m.u32(a.offset);
  m.u32(b.offset);
  m.u32(a.strides[r - 2]);
  m.u32(a.strides[r - 1]);
  m.u32(b.strides[r - 2]);
  m.u32(b.strides[r - 1]);
  const bs = m.all(batch.shape);
  const bsa = m.all(batch.strides[0]);
  const bsb = m.all(batch.strides[1]);
  const tilesM = Math.ceil(M / BM);
  const tilesN = Math.ceil(N / BN);

  const key = `matmul:b${rb}`;
  const source = (): string => {
    const body = `
  let M = mu(0u); let N = mu(1u); let K = mu(2u);
  let tilesN = (N + ${BN - 1}u) / ${BN}u;
  let tilesM = (M + ${BM - 1}u) / ${BM}u;
  let per = tilesN * tilesM;
  let bt = group / per;
  if (bt >= mu(3u)) { return; }
  let tm = (group % per) / tilesN;
  let tn = (group % per) % tilesN;
${batchLines(rb, bs, bsa, bsb)}
  let sam = mu(6u); let sak = mu(7u); let sbk = mu(8u); let sbn = mu(9u);
  let tx = lid % ${TX}u;
  let ty = lid / ${TX}u;
  var acc: array<f32, ${TM * TN}>;
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var i = 0u; i < ${(BM * BK) / WG}u; i++) {
      let idx = lid + i * ${WG}u;
      let row = idx / ${BK}u;
      let kk = idx % ${BK}u;
      let gm = tm * ${BM}u + row;
      let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = A[oa + gm * sam + gk * sak]; }
      As[kk * ${BM}u + row] = v;
    }
    for (var i = 0u; i < ${(BN * BK) / WG}u; i++) {
      let idx = lid + i * ${WG}u;
      let kk = idx / ${BN}u;
      let col = idx % ${BN}u;
      let gn = tn * ${BN}u + col;
      let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = Bm[ob + gk * sbk + gn * sbn]; }
      Bs[kk * ${BN}u + col] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      let av = vec4<f32>(As[kk * ${BM}u + ty * ${TM}u], As[kk * ${BM}u + ty * ${TM}u + 1u], As[kk * ${BM}u + ty * ${TM}u + 2u], As[kk * ${BM}u + ty * ${TM}u + 3u]);
      let bv = vec4<f32>(Bs[kk * ${BN}u + tx * ${TN}u], Bs[kk * ${BN}u + tx * ${TN}u + 1u], Bs[kk * ${BN}u + tx * ${TN}u + 2u], Bs[kk * ${BN}u + tx * ${TN}u + 3u]);
      for (var i = 0u; i < ${TM}u; i++) {
        for (var j = 0u; j < ${TN}u; j++) {
          acc[i * ${TN}u + j] = fma(av[i], bv[j], acc[i * ${TN}u + j]);
        }
      }
    }
    workgroupBarrier();
  }
  let ob0 = bt * M * N;
  for (var i = 0u; i < ${TM}u; i++) {
    let gm = tm * ${BM}u + ty * ${TM}u + i;
    if (gm >= M) { break; }
    for (var j = 0u; j < ${TN}u; j++) {
      let gn = tn * ${BN}u + tx * ${TN}u + j;
      if (gn < N) { out[ob0 + gm * N + gn] = acc[i * ${TN}u + j]; }
    }
  }`;
    return `${header(
      [
        { name: 'A', type: 'f32' },
        { name: 'Bm', type: 'f32' },
      ],
      [{ name: 'out', type: 'f32' }],
    )}
var<workgroup> As: array<f32, ${BM * BK}>;
var<workgroup> Bs: array<f32, ${BN * BK}>;
${entry(WG, body)}`;
  };
  rt.dispatch(
    { key, inputs: 2, outputs: 1, source },
    [a.storage as GPUBuffer, b.storage as GPUBuffer],
    [out],
    m.u,
    B * tilesM * tilesN,
  );
  return out;
}

function batchLines(rb: number, bs: number, bsa: number, bsb: number): string {
  const lines: string[] = ['  var oa = mu(4u);', '  var ob = mu(5u);', '  { var rem = bt;'];
  for (let d = rb - 1; d >= 0; d--) {
    lines.push(
      `    { let c = rem % mu(${bs + d}u); rem = rem / mu(${bs + d}u); oa += c * mu(${bsa + d}u); ob += c * mu(${bsb + d}u); }`,
    );
  }
  lines.push('  }');
  return lines.join('\n');
}

/** Contiguous along the last dim, with rows, offset and batch strides in whole vec4s. */
function vec4Ready(v: TensorView): boolean {
  const r = v.shape.length;
  if (v.strides[r - 1] !== 1 && v.shape[r - 1] !== 1) return false;
  if (v.offset % 4 !== 0) return false;
  return v.strides.every((s, d) => d === r - 1 || v.shape[d] === 1 || s % 4 === 0);
}

function contiguousView(rt: Runtime, v: TensorView, temps: GPUBuffer[]): TensorView {
  if (vec4Ready(v)) return v;
  const storage = v.dtype === 'float32' && isTransposed4(v) ? transpose4(rt, v) : cast(rt, v, v.dtype);
  temps.push(storage);
  const strides: number[] = [];
  let acc = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= v.shape[d];
  }
  return { storage, dtype: v.dtype, shape: v.shape, strides, offset: 0 };
}

/** CPU-backed adapters: SIMD-vector workgroups (see matmul-direct.ts). */
function simd(rt: Runtime, a0: TensorView, b0: TensorView): GPUBuffer {
  const r = a0.shape.length;
  const M = a0.shape[r - 2];
  const K = a0.shape[r - 1];
  const N = b0.shape[r - 1];
  const batchShape = a0.shape.slice(0, r - 2);
  const B = numel(batchShape);
  const out = rt.createBuffer(B * M * N * 4);
  if (B * M * N === 0) return out;
  const useVec4 = K % 4 === 0 && N % 4 === 0;
  const temps: GPUBuffer[] = [];
  // Copying an operand to contiguous costs O(size); the product costs O(M N K).
  const a = useVec4 ? contiguousView(rt, a0, temps) : a0;
  const b = useVec4 ? contiguousView(rt, b0, temps) : b0;
  const unit = useVec4 ? 4 : 1;
  const batch = collapse(batchShape, [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)]);
  const rb = batch.shape.length;
  const m = new Meta();
  m.all([
    M,
    N,
    K,
    B,
    a.offset / unit,
    b.offset / unit,
    a.strides[r - 2] / unit,
    a.strides[r - 1],
    b.strides[r - 2] / unit,
    b.strides[r - 1],
  ]);
  const bs = m.all(batch.shape);
  const bsa = m.all(batch.strides[0].map((s) => s / unit));
  const bsb = m.all(batch.strides[1].map((s) => s / unit));
  const lines = batchLines(rb, bs, bsa, bsb);
  const { tm, tv } = VEC_TILE;
  const spec = useVec4 ? vec4Spec(rb, lines, tm, tv) : scalarSpec(rb, lines);
  const groups = useVec4
    ? B * Math.ceil(M / tm) * Math.ceil(N / (LANES * 4 * tv))
    : B * Math.ceil(M / 4) * Math.ceil(N / (LANES * 4));
  rt.dispatch(spec, [a.storage as GPUBuffer, b.storage as GPUBuffer], [out], m.u, groups);
  for (const t of temps) rt.free(t);
  return out;
}

/**
 * Batched matmul over any strides (stride 0 on broadcast batch dims). Shapes and strides are
 * uniforms: only the batch rank (after merging dims) and the variant pick a pipeline.
 */
export function matmul(rt: Runtime, a: TensorView, b: TensorView): GPUBuffer {
  return rt.options.matmul === 'tiled' ? tiled(rt, a, b) : simd(rt, a, b);
}
