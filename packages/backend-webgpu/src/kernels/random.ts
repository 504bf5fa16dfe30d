import type { DType, RandomSpec } from '@nn/tensor';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta, wgslType } from '../wgsl.js';

const WG = 256;

// Threefry-2x32-20, the same u32 add/rotate/xor sequence as @nn/tensor's fillRandom, so each
// draw has the bits the cpu backend draws for the same counter.
const THREEFRY = /* wgsl */ `
fn rotl(x: u32, s: u32) -> u32 { return (x << s) | (x >> (32u - s)); }
fn threefry(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {
  let ks = array<u32, 3>(k0, k1, k0 ^ k1 ^ 0x1bd11bdau);
  let rot = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  var x0 = c0 + k0;
  var x1 = c1 + k1;
  for (var r = 0u; r < 20u; r++) {
    x0 = x0 + x1;
    x1 = rotl(x1, rot[r & 7u]);
    x1 = x1 ^ x0;
    if ((r & 3u) == 3u) {
      let inj = (r + 1u) >> 2u;
      x0 = x0 + ks[inj % 3u];
      x1 = x1 + ks[(inj + 1u) % 3u] + inj;
    }
  }
  return vec2<u32>(x0, x1);
}
// floor(m * range / 2^24) exactly, for m < 2^24 and range < 2^32: 12- and 16-bit limbs keep
// every partial product below 2^32.
fn scale24(m: u32, range: u32) -> u32 {
  let mh = m >> 12u;
  let ml = m & 0xfffu;
  let rh = range >> 16u;
  let rl = range & 0xffffu;
  let a = mh * rl;
  let b = ml * rh;
  let low = ((a & 0xfffu) << 12u) + ((b & 0xffu) << 16u) + ml * rl;
  return mh * rh * 16u + (a >> 12u) + (b >> 8u) + (low >> 24u);
}
`;

export function random(rt: Runtime, size: number, dtype: DType, spec: RandomSpec): GPUBuffer {
  const out = rt.createBuffer(size * 4);
  if (size === 0) return out;
  const m = new Meta();
  m.u32(size);
  m.u32(spec.key[0]);
  m.u32(spec.key[1]);
  m.u32(spec.counter % 4294967296);
  m.u32(Math.floor(spec.counter / 4294967296));
  m.f32(spec.a);
  m.f32(spec.b);
  // Integer draws with integral bounds are computed exactly in u32 (no f32 rounding of the range).
  const exactInt =
    dtype !== 'float32' &&
    spec.dist === 'uniform' &&
    Number.isInteger(spec.a) &&
    Number.isInteger(spec.b) &&
    spec.b - spec.a < 4294967296;
  m.i32(exactInt ? spec.a : 0);
  m.u32(exactInt ? spec.b - spec.a : 0);
  const type = wgslType(dtype);
  const mode = spec.dist === 'normal' ? 'normal' : exactInt ? 'int' : 'uniform';
  const key = `random:${mode}:${type}`;
  const source = (): string => {
    let value: string;
    if (mode === 'normal') {
      value = `
  let u1 = f32((bits.x >> 8u) + 1u) * 5.9604644775390625e-8;
  let u2 = f32(bits.y >> 8u) * 5.9604644775390625e-8;
  let v = mf(5u) + mf(6u) * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);`;
    } else if (mode === 'int') {
      value = `
  let v = mi(7u) + bitcast<i32>(scale24(bits.x >> 8u, mu(8u)));`;
    } else {
      value = `
  var v = mf(5u) + (mf(6u) - mf(5u)) * (f32(bits.x >> 8u) * 5.9604644775390625e-8);
  ${type === 'f32' ? '' : 'v = floor(v);'}`;
    }
    const body = `
  if (gid >= mu(0u)) { return; }
  let c0 = mu(3u) + gid;
  let c1 = mu(4u) + select(0u, 1u, c0 < gid);
  let bits = threefry(mu(1u), mu(2u), c0, c1);
  ${value}
  out[gid] = ${type === 'f32' ? 'v' : type === 'i32' ? 'i32(v)' : 'b2u(v != 0)'};`;
    return header([], [{ name: 'out', type }]) + THREEFRY + entry(WG, body);
  };
  rt.dispatch({ key, inputs: 0, outputs: 1, source }, [], [out], m.u, Math.ceil(size / WG));
  return out;
}
