import type { DType } from '@nn/tensor';
import { META_SLOTS } from './runtime.js';

/** WGSL element type of a stored dtype (bool is a u32 holding 0 or 1). */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  return 'u32';
}

export interface Binding {
  readonly name: string;
  readonly type: string;
}

/**
 * Storage bindings (inputs read-only, then outputs), the uniform block `meta` and accessors:
 * `mu(i)` u32, `mi(i)` i32, `mf(i)` f32 of slot i.
 */
export function header(inputs: readonly Binding[], outputs: readonly Binding[]): string {
  const lines: string[] = [];
  for (const [i, b] of inputs.entries())
    lines.push(`@group(0) @binding(${i}) var<storage, read> ${b.name}: array<${b.type}>;`);
  for (const [i, b] of outputs.entries()) {
    lines.push(
      `@group(0) @binding(${inputs.length + i}) var<storage, read_write> ${b.name}: array<${b.type}>;`,
    );
  }
  lines.push(
    `@group(0) @binding(${inputs.length + outputs.length}) var<uniform> meta_u: array<vec4<u32>, ${META_SLOTS / 4}>;`,
  );
  lines.push('fn mu(i: u32) -> u32 { return meta_u[i >> 2u][i & 3u]; }');
  lines.push('fn mi(i: u32) -> i32 { return bitcast<i32>(mu(i)); }');
  lines.push('fn mf(i: u32) -> f32 { return bitcast<f32>(mu(i)); }');
  return `${lines.join('\n')}\n${PRELUDE}`;
}

/** The entry point; `gid` is the linear id of the invocation over a grid folded into 2-D. */
export function entry(workgroupSize: number, body: string): string {
  return `
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let gid = group * ${workgroupSize}u + lid;
${body}
}`;
}

/** Helpers shared by the kernels: NaN-aware math that WGSL leaves undefined or imprecise. */
const PRELUDE = /* wgsl */ `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// Loaded from private vars: WGSL rejects NaN and infinity as constant expressions.
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_f() -> f32 { return bitcast<f32>(INF_BITS); }
fn b2u(c: bool) -> u32 { return select(0u, 1u, c); }
// WGSL leaves log of 0, of negatives and of NaN to the implementation (Chromium gave -88 for 0).
fn log_f(x: f32) -> f32 {
  if (x == 0.0) { return -inf_f(); }
  if (x < 0.0 || is_nan(x)) { return nan_f(); }
  return log(x);
}
fn erf_f(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return 1.1283791670955126 * x * (1.0 + x2 * (-0.3333333333333333 + x2 * (0.1 + x2 * (-0.023809523809523808 + x2 * (0.004629629629629629 + x2 * (-0.0007575757575757576 + x2 * 0.00010683760683760684))))));
  }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}
fn log1p_f(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (u == inf_f()) { return u; }
  return log(u) * x / (u - 1.0);
}
fn expm1_f(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let u = exp(x);
  if (u == inf_f()) { return u; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log(u);
}
fn tanh_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return tanh(clamp(x, -15.0, 15.0));
}
fn sigmoid_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn pow_f(x: f32, p: f32) -> f32 {
  if (p == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(p)) { return nan_f(); }
  if (p == 1.0) { return x; }
  if (p == 2.0) { return x * x; }
  if (p == 3.0) { return x * x * x; }
  // (-inf)^0.5 is +inf (IEEE pow, PyTorch), where sqrt(-inf) is NaN.
  if (p == 0.5 && x > -inf_f()) { return sqrt(x); }
  if (p == -1.0) { return 1.0 / x; }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) { r = select(inf_f(), 0.0, p > 0.0); }
  else if (ax == inf_f()) {
    r = select(0.0, inf_f(), p > 0.0);
    // (-inf)^p is negative only for odd integer p.
    if (x < 0.0 && floor(p) == p && fract(p * 0.5) != 0.0) { r = -r; }
    return r;
  }
  else if (ax == 1.0) { r = 1.0; }
  else { r = exp2(p * log2(ax)); }
  if (x < 0.0) {
    if (abs(p) == inf_f()) { return r; }
    if (floor(p) != p) { return nan_f(); }
    if (fract(p * 0.5) != 0.0) { r = -r; }
  }
  return r;
}
fn max_f(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan_f(); } return max(a, b); }
fn min_f(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan_f(); } return min(a, b); }
`;

const RING = Array.from({ length: 8 }, () => {
  const u = new Uint32Array(META_SLOTS);
  return { u, f: new Float32Array(u.buffer), i: new Int32Array(u.buffer) };
});
let ringAt = 0;

/** Fills the uniform block: slots are u32; floats and ints are stored by their bits. */
export class Meta {
  readonly u: Uint32Array;
  private readonly f: Float32Array;
  private readonly i: Int32Array;
  length = 0;

  constructor() {
    // A block is copied into the uniform arena as soon as its kernel is encoded, so a small ring
    // of blocks serves every dispatch without allocating (a few may be filled at once, nested).
    const block = RING[ringAt];
    ringAt = (ringAt + 1) % RING.length;
    this.u = block.u;
    this.f = block.f;
    this.i = block.i;
    this.u.fill(0);
  }

  u32(v: number): number {
    this.u[this.length] = v >>> 0;
    return this.length++;
  }
  i32(v: number): number {
    this.i[this.length] = v | 0;
    return this.length++;
  }
  f32(v: number): number {
    this.f[this.length] = v;
    return this.length++;
  }
  /** A value stored in a slot of `dtype` (bool as 0/1). */
  scalar(dtype: DType, v: number): number {
    if (dtype === 'float32') return this.f32(v);
    if (dtype === 'int32') return this.i32(v);
    return this.u32(v ? 1 : 0);
  }
  all(vs: readonly number[]): number {
    const at = this.length;
    for (const v of vs) this.u32(v);
    return at;
  }
}

/** WGSL literal reading a meta slot of a WGSL type. */
export function metaRead(type: 'f32' | 'i32' | 'u32', slot: number): string {
  return type === 'f32' ? `mf(${slot}u)` : type === 'i32' ? `mi(${slot}u)` : `mu(${slot}u)`;
}
