import type { TensorView } from '@nn/tensor';
import { collapse, numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';

const WG = 64;

/**
 * True when v is a batch of transposed matrices in whole vec4s: rows walk memory with stride 1,
 * columns with a multiple of 4, both dims multiples of 4 (a weight read as W^T, say).
 */
export function isTransposed4(v: TensorView): boolean {
  const r = v.shape.length;
  if (r < 2 || v.strides[r - 2] !== 1 || v.offset % 4 !== 0) return false;
  if (v.shape[r - 2] % 4 !== 0 || v.shape[r - 1] % 4 !== 0) return false;
  return v.strides.every((s, d) => d === r - 2 || s % 4 === 0);
}

/**
 * A contiguous copy of a transposed view: each invocation reads four column vec4s of a 4x4
 * block and writes four row vec4s, a quarter of the per-element loads and stores of a copy.
 */
export function transpose4(rt: Runtime, v: TensorView): GPUBuffer {
  const r = v.shape.length;
  const R = v.shape[r - 2];
  const C = v.shape[r - 1];
  const batchShape = v.shape.slice(0, r - 2);
  const B = numel(batchShape);
  const out = rt.createBuffer(B * R * C * 4);
  const blocks = (B * R * C) / 16;
  if (blocks === 0) return out;
  const batch = collapse(batchShape, [v.strides.slice(0, r - 2)]);
  const rb = batch.shape.length;
  const m = new Meta();
  m.all([blocks, R / 4, C / 4, v.offset / 4, v.strides[r - 1] / 4]);
  const bs = m.all(batch.shape);
  const bst = m.all(batch.strides[0].map((s) => s / 4));
  const source = (): string => {
    const lines = [
      '  if (gid >= mu(0u)) { return; }',
      '  let R4 = mu(1u); let C4 = mu(2u);',
      '  let bj = gid % C4; let bi = (gid / C4) % R4; let bt = gid / (C4 * R4);',
      '  var off = mu(3u);',
      '  { var rem = bt;',
    ];
    for (let d = rb - 1; d >= 0; d--) {
      lines.push(
        `    { let c = rem % mu(${bs + d}u); rem = rem / mu(${bs + d}u); off += c * mu(${bst + d}u); }`,
      );
    }
    lines.push('  }');
    lines.push('  let sc = mu(4u);');
    for (let j = 0; j < 4; j++) lines.push(`  let v${j} = x[off + bi + (bj * 4u + ${j}u) * sc];`);
    lines.push('  let o = (bt * R4 * 4u + bi * 4u) * C4 + bj;');
    const comps = ['x', 'y', 'z', 'w'];
    for (let i = 0; i < 4; i++) {
      lines.push(
        `  out[o + ${i}u * C4] = vec4<f32>(v0.${comps[i]}, v1.${comps[i]}, v2.${comps[i]}, v3.${comps[i]});`,
      );
    }
    return (
      header([{ name: 'x', type: 'vec4<f32>' }], [{ name: 'out', type: 'vec4<f32>' }]) +
      entry(WG, lines.join('\n'))
    );
  };
  rt.dispatch(
    { key: `transpose4:b${rb}`, inputs: 1, outputs: 1, source },
    [v.storage as GPUBuffer],
    [out],
    m.u,
    Math.ceil(blocks / WG),
  );
  return out;
}
