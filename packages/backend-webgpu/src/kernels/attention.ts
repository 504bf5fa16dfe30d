import type { AttentionArgs, AttentionBackwardArgs, TensorView } from '@nn/tensor';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { withContiguous } from './fused.js';

// Flash-attention on WebGPU: no kernel ever holds the L x S score matrix. The forward gives each
// invocation R query rows; it keeps their (scaled) q and output rows in registers and walks the
// keys in tiles of TK, with an online softmax (running max and sum, the output rescaled once per
// tile). The backward runs three passes: per query row the logsumexp and rowsum(dO * O); per
// query row dQ (keys walked again, weights rebuilt from the logsumexp); per key row dK and dV
// (query rows walked). Masked scores are the finite NEG, not -inf: WGSL's exp and comparisons
// are only defined on finite values.

const WG = 64;
const TK = 16;
const NEG = -3.0e38;

/** Meta slots shared by the three kernels; batch dims of the mask follow at MASK_DIMS. */
const S_B = 0;
const S_L = 1;
const S_S = 2;
const S_SCALE = 3;
const S_BLOCKS = 4;
const S_Q = 5;
const S_K = 6;
const S_V = 7;
const S_MASK = 8;
const S_MASK_RS = 9;
const S_MASK_CS = 10;
const S_MASK_RANK = 11;
/** Offset of dO in the gradient kernels (slots 12 and 14 are spare). */
const S_X1 = 13;
const S_E = 15;
const S_EV = 16;
const S_TK = 17;
const S_MASK_KIND = 18;
const S_CAUSAL = 19;
const MASK_DIMS = 20;

type MaskKind = 'none' | 'bool' | 'float';

interface Spec {
  e: number;
  ev: number;
  rows: number;
  /** q, k, v (and dO) rows read as vec4s: E and Ev multiples of 4, offsets aligned. */
  vec: boolean;
}

function maskKind(a: AttentionArgs): MaskKind {
  if (!a.mask) return 'none';
  return a.mask.dtype === 'bool' ? 'bool' : 'float';
}

/** The common meta block: sizes, scale, offsets, the mask's strides and batch dims. */
function meta(a: AttentionArgs, blocks: number, extra: readonly number[]): Meta {
  const [B, L] = a.q.shape;
  const S = a.k.shape[1];
  const m = new Meta();
  m.u32(B);
  m.u32(L);
  m.u32(S);
  m.f32(a.scale);
  m.u32(blocks);
  m.u32(a.q.offset);
  m.u32(a.k.offset);
  m.u32(a.v.offset);
  const mask = a.mask;
  const r = mask ? mask.shape.length : 2;
  m.u32(mask ? mask.offset : 0);
  m.u32(mask ? mask.strides[r - 2] : 0);
  m.u32(mask ? mask.strides[r - 1] : 0);
  m.u32(r - 2);
  for (let i = 0; i < 3; i++) m.u32(extra[i] ?? 0);
  m.u32(a.q.shape[2]);
  m.u32(a.v.shape[2]);
  m.u32(TK);
  m.u32({ none: 0, bool: 1, float: 2 }[maskKind(a)]);
  m.u32(a.causal ? 1 : 0);
  if (mask) {
    for (let d = 0; d < r - 2; d++) m.u32(mask.shape[d]);
    for (let d = 0; d < r - 2; d++) m.u32(mask.strides[d]);
  }
  return m;
}

/**
 * WGSL reading row `row` of a tensor whose row length is in meta slot `widthSlot`, 4 at a time
 * (zero past the end of the row).
 */
function loader(name: string, widthSlot: number, offSlot: number, vec: boolean): string {
  if (vec) {
    return `fn ld_${name}(row: u32, c: u32) -> vec4<f32> { return ${name}[(mu(${offSlot}u) >> 2u) + row * (mu(${widthSlot}u) >> 2u) + c]; }`;
  }
  const lanes = ['x', 'y', 'z', 'w']
    .map((lane, k) => `  if (e + ${k}u < w) { x4.${lane} = ${name}[base + e + ${k}u]; }`)
    .join('\n');
  return `fn ld_${name}(row: u32, c: u32) -> vec4<f32> {
  let w = mu(${widthSlot}u);
  let base = mu(${offSlot}u) + row * w;
  let e = c * 4u;
  var x4 = vec4<f32>(0.0);
${lanes}
  return x4;
}`;
}

/** WGSL writing a 4-wide piece of row `row` of an f32 output whose row length is in `widthSlot`. */
function storer(name: string, widthSlot: number): string {
  const lanes = ['x', 'y', 'z', 'w']
    .map((lane, k) => `  if (e + ${k}u < w) { ${name}[base + e + ${k}u] = x4.${lane}; }`)
    .join('\n');
  return `fn st_${name}(row: u32, c: u32, x4: vec4<f32>) {
  let w = mu(${widthSlot}u);
  let base = row * w;
  let e = c * 4u;
${lanes}
}`;
}

/**
 * WGSL: the mask's element offset of batch b's [0, 0], and the score of (i, j) with the mask
 * (bool: NEG where false; additive: added, floored at NEG) and the causal rule applied. The kind
 * and causality are meta values, not specialisations: each variant costs seconds of LLVM time on
 * a software adapter.
 */
const MASK_FNS = `fn mask_base(b: u32) -> u32 {
  var rem = b;
  var at = mu(${S_MASK}u);
  let rank = mu(${S_MASK_RANK}u);
  for (var d = rank; d > 0u; d--) {
    let size = mu(${MASK_DIMS}u + d - 1u);
    at += (rem % size) * mu(${MASK_DIMS}u + rank + d - 1u);
    rem /= size;
  }
  return at;
}
fn masked(mb: u32, i: u32, j: u32, s: f32) -> f32 {
  if (mu(${S_CAUSAL}u) != 0u && j > i) { return NEG; }
  let kind = mu(${S_MASK_KIND}u);
  if (kind == 0u) { return s; }
  let raw = mask[mb + i * mu(${S_MASK_RS}u) + j * mu(${S_MASK_CS}u)];
  if (kind == 1u) { return select(NEG, s, raw != 0u); }
  return max(s + bitcast<f32>(raw), NEG);
}`;

/**
 * vec4s of room for a row of `n` floats: 8 (n <= 32), 32 (n <= 128), then powers of two. Few
 * classes, so few pipelines; the loops run to the real size.
 */
function capacity(n: number): number {
  const v = Math.ceil(n / 4);
  if (v <= 8) return 8;
  if (v <= 32) return 32;
  return 2 ** Math.ceil(Math.log2(v));
}

function prelude(s: Spec): string {
  return `
const CE = ${capacity(s.e)}u;
const CV = ${capacity(s.ev)}u;
const R = ${s.rows}u;
const TK = ${TK}u;
const NEG = ${NEG};
${MASK_FNS}
fn hsum(v: vec4<f32>) -> f32 { return v.x + v.y + v.z + v.w; }
`;
}

const f4 = (vec: boolean) => (vec ? 'vec4<f32>' : 'f32');

function specOf(rt: Runtime, a: AttentionArgs, extraOffsets: readonly number[]): Spec {
  const e = a.q.shape[2];
  const ev = a.v.shape[2];
  const aligned = (...offs: number[]) => offs.every((o) => o % 4 === 0);
  return {
    e,
    ev,
    rows: rt.options.matmul === 'simd' ? 4 : 2,
    vec: e % 4 === 0 && ev % 4 === 0 && aligned(a.q.offset, a.k.offset, a.v.offset, ...extraOffsets),
  };
}

const keyOf = (name: string, s: Spec) =>
  `attention:${name}:e${capacity(s.e)}:v${capacity(s.ev)}:r${s.rows}:${s.vec ? 'vec4' : 'f32'}`;

function maskBuffer(a: AttentionArgs): GPUBuffer {
  return (a.mask ?? a.q).storage as GPUBuffer;
}

/**
 * One pass of the three: each invocation takes R consecutive rows (`first` names the first: query
 * rows i0 in the forward and dq, key rows j0 in dkv) of one batch entry. The gradient passes also
 * read the row stats and dO (as `g`, laid out like v) and get `weight`.
 */
interface Pass {
  name: string;
  first: 'i0' | 'j0';
  /** How many rows of each batch entry the pass walks (L or S). */
  rows: number;
  /** The WGSL after the shared prologue. */
  body: string;
  /** The f32 outputs; those with a width slot get a 4-wide row storer `st_<name>`. */
  outputs: { name: string; buffer: GPUBuffer; widthSlot?: number }[];
  grad?: { stats: GPUBuffer; dOut: TensorView };
}

/** WGSL every pass starts with: its batch entry b, first row, sizes, scale and mask base. */
function prologue(first: Pass['first']): string {
  return `
  let blocks = mu(${S_BLOCKS}u);
  if (gid >= mu(${S_B}u) * blocks) { return; }
  let b = gid / blocks;
  let ${first} = (gid % blocks) * R;
  let L = mu(${S_L}u);
  let S = mu(${S_S}u);
  let scale = mf(${S_SCALE}u);
  let E4 = (mu(${S_E}u) + 3u) / 4u;
  let EV4 = (mu(${S_EV}u) + 3u) / 4u;
  let mb = mask_base(b);
`;
}

/** Builds (once per key) and dispatches one pass over a's q, k, v and mask. */
function runPass(rt: Runtime, a: AttentionArgs, s: Spec, p: Pass): void {
  const blocks = Math.ceil(p.rows / s.rows);
  const m = meta(a, blocks, p.grad ? [0, p.grad.dOut.offset] : []);
  const inputs = [
    { name: 'q', type: f4(s.vec) },
    { name: 'k', type: f4(s.vec) },
    { name: 'v', type: f4(s.vec) },
    { name: 'mask', type: 'u32' },
  ];
  const buffers = [a.q.storage, a.k.storage, a.v.storage, maskBuffer(a)] as GPUBuffer[];
  const fns = [loader('q', S_E, S_Q, s.vec), loader('k', S_E, S_K, s.vec), loader('v', S_EV, S_V, s.vec)];
  if (p.grad) {
    inputs.push({ name: 'stats', type: 'f32' }, { name: 'g', type: f4(s.vec) });
    buffers.push(p.grad.stats, p.grad.dOut.storage as GPUBuffer);
    fns.unshift(WEIGHT);
    fns.push(loader('g', S_EV, S_X1, s.vec));
  }
  for (const o of p.outputs) if (o.widthSlot !== undefined) fns.push(storer(o.name, o.widthSlot));
  const outputs = p.outputs.map((o) => ({ name: o.name, type: 'f32' }));
  const source = (): string =>
    header(inputs, outputs) + prelude(s) + fns.join('\n') + entry(WG, prologue(p.first) + p.body);
  rt.dispatch(
    { key: keyOf(p.name, s), inputs: inputs.length, outputs: outputs.length, source },
    buffers,
    p.outputs.map((o) => o.buffer),
    m.u,
    Math.ceil((a.q.shape[0] * blocks) / WG),
  );
}

/** Forward: out [B, L, Ev], lse [B, L]. */
export function attention(rt: Runtime, a0: AttentionArgs): { out: GPUBuffer; lse: GPUBuffer } {
  return withContiguous(rt, [a0.q, a0.k, a0.v], ([q, k, v]) => {
    const a = { ...a0, q, k, v };
    const [B, L] = q.shape;
    const out = rt.createBuffer(B * L * v.shape[2] * 4);
    const lse = rt.createBuffer(B * L * 4);
    runPass(rt, a, specOf(rt, a, []), {
      name: 'forward',
      first: 'i0',
      rows: L,
      body: FORWARD,
      outputs: [
        { name: 'out', buffer: out, widthSlot: S_EV },
        { name: 'lse', buffer: lse },
      ],
    });
    return { out, lse };
  });
}

/** WGSL of the forward: an online softmax over tiles of TK keys for R query rows. */
const FORWARD = `
  let tk = min(mu(${S_TK}u), TK);
  var qr: array<array<vec4<f32>, CE>, R>;
  var o: array<array<vec4<f32>, CV>, R>;
  var mx: array<f32, R>;
  var l: array<f32, R>;
  var p: array<array<f32, TK>, R>;
  for (var r = 0u; r < R; r++) {
    let i = min(i0 + r, L - 1u);
    for (var c = 0u; c < E4; c++) { qr[r][c] = ld_q(b * L + i, c) * scale; }
    for (var c = 0u; c < EV4; c++) { o[r][c] = vec4<f32>(0.0); }
    mx[r] = NEG;
    l[r] = 0.0;
  }
  var n = S;
  if (mu(${S_CAUSAL}u) != 0u) { n = min(S, i0 + R); }
  for (var j0 = 0u; j0 < n; j0 += tk) {
    for (var t = 0u; t < tk; t++) {
      let j = j0 + t;
      if (j >= n) {
        for (var r = 0u; r < R; r++) { p[r][t] = NEG; }
        continue;
      }
      var acc = array<vec4<f32>, R>();
      for (var c = 0u; c < E4; c++) {
        let kv = ld_k(b * S + j, c);
        for (var r = 0u; r < R; r++) { acc[r] += qr[r][c] * kv; }
      }
      for (var r = 0u; r < R; r++) {
        p[r][t] = masked(mb, min(i0 + r, L - 1u), j, hsum(acc[r]));
      }
    }
    for (var r = 0u; r < R; r++) {
      var top = mx[r];
      for (var t = 0u; t < tk; t++) { top = max(top, p[r][t]); }
      if (top <= NEG) {
        for (var t = 0u; t < tk; t++) { p[r][t] = 0.0; }
        continue;
      }
      let corr = exp(mx[r] - top);
      l[r] *= corr;
      for (var c = 0u; c < EV4; c++) { o[r][c] *= corr; }
      for (var t = 0u; t < tk; t++) {
        let w = select(exp(p[r][t] - top), 0.0, p[r][t] <= NEG);
        p[r][t] = w;
        l[r] += w;
      }
      mx[r] = top;
    }
    for (var t = 0u; t < tk; t++) {
      let j = j0 + t;
      if (j >= n) { break; }
      for (var c = 0u; c < EV4; c++) {
        let vv = ld_v(b * S + j, c);
        for (var r = 0u; r < R; r++) { o[r][c] += p[r][t] * vv; }
      }
    }
  }
  for (var r = 0u; r < R; r++) {
    let i = i0 + r;
    if (i >= L) { break; }
    let row = b * L + i;
    if (l[r] == 0.0) {
      for (var c = 0u; c < EV4; c++) { st_out(row, c, vec4<f32>(0.0)); }
      lse[row] = inf_f();
      continue;
    }
    let inv = 1.0 / l[r];
    for (var c = 0u; c < EV4; c++) { st_out(row, c, o[r][c] * inv); }
    lse[row] = mx[r] + log(l[r]);
  }`;

/** Per query row: (lse, rowsum(dO * O)) interleaved, what both gradient passes read. */
function rowStats(rt: Runtime, a: AttentionBackwardArgs): GPUBuffer {
  const [B, L] = a.q.shape;
  const ev = a.v.shape[2];
  const stats = rt.createBuffer(B * L * 2 * 4);
  const m = new Meta();
  m.u32(B * L);
  m.u32(a.out.offset);
  m.u32(a.dOut.offset);
  m.u32(a.lse.offset);
  m.u32(ev);
  const source = (): string =>
    header(
      [
        { name: 'o', type: 'f32' },
        { name: 'g', type: 'f32' },
        { name: 'lse', type: 'f32' },
      ],
      [{ name: 'stats', type: 'f32' }],
    ) +
    entry(
      WG,
      `
  if (gid >= mu(0u)) { return; }
  let ev = mu(4u);
  let oo = mu(1u) + gid * ev;
  let go = mu(2u) + gid * ev;
  var d = 0.0;
  for (var c = 0u; c < ev; c++) { d += o[oo + c] * g[go + c]; }
  stats[2u * gid] = lse[mu(3u) + gid];
  stats[2u * gid + 1u] = d;`,
    );
  rt.dispatch(
    { key: 'attention:stats', inputs: 3, outputs: 1, source },
    [a.out.storage as GPUBuffer, a.dOut.storage as GPUBuffer, a.lse.storage as GPUBuffer],
    [stats],
    m.u,
    Math.ceil((B * L) / WG),
  );
  return stats;
}

/** WGSL: the weight of a score given its row's logsumexp (0 when masked or the row is empty). */
const WEIGHT = `fn weight(s: f32, lse: f32) -> f32 {
  if (s <= NEG || lse > 3.0e38) { return 0.0; }
  return exp(s - lse);
}`;

/** WGSL of dq: per query row, the keys walked again with weights rebuilt from the logsumexp. */
const DQ = `
  var qr: array<array<vec4<f32>, CE>, R>;
  var g: array<array<vec4<f32>, CV>, R>;
  var acc: array<array<vec4<f32>, CE>, R>;
  var lse: array<f32, R>;
  var dd: array<f32, R>;
  for (var r = 0u; r < R; r++) {
    let row = b * L + min(i0 + r, L - 1u);
    for (var c = 0u; c < E4; c++) { qr[r][c] = ld_q(row, c) * scale; acc[r][c] = vec4<f32>(0.0); }
    for (var c = 0u; c < EV4; c++) { g[r][c] = ld_g(row, c); }
    lse[r] = stats[2u * row];
    dd[r] = stats[2u * row + 1u];
  }
  var n = S;
  if (mu(${S_CAUSAL}u) != 0u) { n = min(S, i0 + R); }
  var kr: array<vec4<f32>, CE>;
  for (var j = 0u; j < n; j++) {
    var sc = array<vec4<f32>, R>();
    for (var c = 0u; c < E4; c++) {
      kr[c] = ld_k(b * S + j, c);
      for (var r = 0u; r < R; r++) { sc[r] += qr[r][c] * kr[c]; }
    }
    var w = array<f32, R>();
    var hit = false;
    for (var r = 0u; r < R; r++) {
      var s = 0.0;
      s = masked(mb, min(i0 + r, L - 1u), j, hsum(sc[r]));
      w[r] = weight(s, lse[r]);
      hit = hit || w[r] != 0.0;
    }
    if (!hit) { continue; }
    var dp = array<vec4<f32>, R>();
    for (var c = 0u; c < EV4; c++) {
      let vv = ld_v(b * S + j, c);
      for (var r = 0u; r < R; r++) { dp[r] += g[r][c] * vv; }
    }
    for (var r = 0u; r < R; r++) {
      let ds = w[r] * (hsum(dp[r]) - dd[r]);
      for (var c = 0u; c < E4; c++) { acc[r][c] += ds * kr[c]; }
    }
  }
  for (var r = 0u; r < R; r++) {
    let i = i0 + r;
    if (i >= L) { break; }
    for (var c = 0u; c < E4; c++) { st_dq(b * L + i, c, acc[r][c] * scale); }
  }`;

/** WGSL of dk and dv: per key row, the query rows walked. */
const DKV = `
  var kr: array<array<vec4<f32>, CE>, R>;
  var vr: array<array<vec4<f32>, CV>, R>;
  var dk: array<array<vec4<f32>, CE>, R>;
  var dv: array<array<vec4<f32>, CV>, R>;
  for (var r = 0u; r < R; r++) {
    let row = b * S + min(j0 + r, S - 1u);
    for (var c = 0u; c < E4; c++) { kr[r][c] = ld_k(row, c); dk[r][c] = vec4<f32>(0.0); }
    for (var c = 0u; c < EV4; c++) { vr[r][c] = ld_v(row, c); dv[r][c] = vec4<f32>(0.0); }
  }
  var start = 0u;
  if (mu(${S_CAUSAL}u) != 0u) { start = j0; }
  var qi: array<vec4<f32>, CE>;
  var gi: array<vec4<f32>, CV>;
  for (var i = start; i < L; i++) {
    let row = b * L + i;
    let lse = stats[2u * row];
    let dd = stats[2u * row + 1u];
    var sc = array<vec4<f32>, R>();
    for (var c = 0u; c < E4; c++) {
      qi[c] = ld_q(row, c) * scale;
      for (var r = 0u; r < R; r++) { sc[r] += qi[c] * kr[r][c]; }
    }
    var w = array<f32, R>();
    var hit = false;
    for (var r = 0u; r < R; r++) {
      var s = 0.0;
      s = masked(mb, i, min(j0 + r, S - 1u), hsum(sc[r]));
      w[r] = weight(s, lse);
      hit = hit || w[r] != 0.0;
    }
    if (!hit) { continue; }
    var dp = array<vec4<f32>, R>();
    for (var c = 0u; c < EV4; c++) {
      gi[c] = ld_g(row, c);
      for (var r = 0u; r < R; r++) {
        dp[r] += gi[c] * vr[r][c];
        dv[r][c] += w[r] * gi[c];
      }
    }
    for (var r = 0u; r < R; r++) {
      let ds = w[r] * (hsum(dp[r]) - dd);
      for (var c = 0u; c < E4; c++) { dk[r][c] += ds * qi[c]; }
    }
  }
  for (var r = 0u; r < R; r++) {
    let j = j0 + r;
    if (j >= S) { break; }
    for (var c = 0u; c < E4; c++) { st_dk(b * S + j, c, dk[r][c]); }
    for (var c = 0u; c < EV4; c++) { st_dv(b * S + j, c, dv[r][c]); }
  }`;

/** Backward: dq, dk, dv from the saved out and lse (three passes, no L x S buffer). */
export function attentionBackward(
  rt: Runtime,
  a0: AttentionBackwardArgs,
): { dq: GPUBuffer; dk: GPUBuffer; dv: GPUBuffer } {
  const views: TensorView[] = [a0.q, a0.k, a0.v, a0.out, a0.lse, a0.dOut];
  return withContiguous(rt, views, ([q, k, v, out, lse, dOut]) => {
    const a: AttentionBackwardArgs = { ...a0, q, k, v, out, lse, dOut };
    const stats = rowStats(rt, a);
    const s = specOf(rt, a, [dOut.offset]);
    try {
      const [B, L, e] = q.shape;
      const [, S, ev] = v.shape;
      const grad = { stats, dOut };
      const dq = rt.createBuffer(B * L * e * 4);
      runPass(rt, a, s, {
        name: 'dq',
        first: 'i0',
        rows: L,
        body: DQ,
        grad,
        outputs: [{ name: 'dq', buffer: dq, widthSlot: S_E }],
      });
      const dk = rt.createBuffer(B * S * e * 4);
      const dv = rt.createBuffer(B * S * ev * 4);
      runPass(rt, a, s, {
        name: 'dkv',
        first: 'j0',
        rows: S,
        body: DKV,
        grad,
        outputs: [
          { name: 'dk', buffer: dk, widthSlot: S_E },
          { name: 'dv', buffer: dv, widthSlot: S_EV },
        ],
      });
      return { dq, dk, dv };
    } finally {
      rt.free(stats);
    }
  });
}
