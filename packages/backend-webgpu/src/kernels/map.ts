import type { DType, TensorView } from '@nn/tensor';
import { broadcastStrides, collapse, contiguousStrides, numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta, metaRead, wgslType } from '../wgsl.js';

const WG = 256;

/** A number operand: travels in the uniform block, so a new value compiles nothing. */
export interface ScalarOperand {
  readonly scalar: number;
  readonly dtype: DType;
}
export type Operand = TensorView | ScalarOperand;

function isScalar(o: Operand): o is ScalarOperand {
  return (o as ScalarOperand).scalar !== undefined;
}

/** Where the result goes: by default a fresh contiguous buffer of `shape`. */
export interface MapTarget {
  readonly buffer: GPUBuffer;
  readonly strides: readonly number[];
  readonly offset: number;
}

export interface MapOptions {
  /** Names the WGSL `expr` builds; with the dtypes and rank it keys the pipeline cache. */
  readonly op: string;
  readonly operands: readonly Operand[];
  readonly outDType: DType;
  readonly outShape: readonly number[];
  /** WGSL expression of the operand values `a0..` and parameters `p0..` (f32 uniforms). */
  readonly expr: (a: readonly string[], p: readonly string[]) => string;
  readonly params?: readonly number[];
  readonly target?: MapTarget;
}

/**
 * One element-wise kernel for every N-ary op: each invocation turns its output index into
 * coordinates and reads each operand through its own (broadcast) strides and offset.
 */
export function map(rt: Runtime, o: MapOptions): GPUBuffer {
  const n = numel(o.outShape);
  const out = o.target?.buffer ?? rt.createBuffer(n * 4);
  if (n === 0) return out;
  const tensors = o.operands.filter((x): x is TensorView => !isScalar(x));
  const strides = tensors.map((t) => broadcastStrides(t, o.outShape));
  strides.push(o.target ? [...o.target.strides] : contiguousStrides(o.outShape));
  const c = collapse(o.outShape, strides);
  const rank = c.shape.length;
  if (!o.target && vectorizable(c.shape, c.strides.slice(0, tensors.length), tensors)) {
    mapVec4(rt, o, tensors, c.shape, c.strides, out);
    return out;
  }

  const m = new Meta();
  m.u32(n);
  const shapeAt = m.all(c.shape);
  const strideAt: number[] = [];
  const offsetAt: number[] = [];
  tensors.forEach((t, k) => {
    strideAt.push(m.all(c.strides[k]));
    offsetAt.push(m.u32(t.offset));
  });
  strideAt.push(m.all(c.strides[tensors.length]));
  offsetAt.push(m.u32(o.target?.offset ?? 0));
  const scalarAt: number[] = [];
  for (const x of o.operands) if (isScalar(x)) scalarAt.push(m.scalar(x.dtype, x.scalar));
  const paramAt = (o.params ?? []).map((p) => m.f32(p));

  const types = o.operands.map((x) => wgslType(x.dtype));
  const outType = wgslType(o.outDType);
  const sig = o.operands.map((x, i) => (isScalar(x) ? `s${types[i]}` : types[i])).join(',');
  const key = `map:${o.op}:${sig}:${outType}:r${rank}:p${paramAt.length}`;

  const source = (): string => {
    const inputs = tensors.map((t, k) => ({ name: `in${k}`, type: wgslType(t.dtype) }));
    const lines: string[] = [`  if (gid >= mu(0u)) { return; }`, '  var rem = gid;'];
    const nOff = tensors.length + 1;
    for (let k = 0; k < nOff; k++) lines.push(`  var o${k} = mu(${offsetAt[k]}u);`);
    for (let d = rank - 1; d >= 0; d--) {
      lines.push(
        d > 0
          ? `  { let c = rem % mu(${shapeAt + d}u); rem = rem / mu(${shapeAt + d}u);`
          : '  { let c = rem;',
      );
      for (let k = 0; k < nOff; k++) lines.push(`    o${k} += c * mu(${strideAt[k] + d}u);`);
      lines.push('  }');
    }
    const names: string[] = [];
    let tk = 0;
    let sk = 0;
    o.operands.forEach((x, i) => {
      if (isScalar(x)) lines.push(`  let a${i} = ${metaRead(types[i], scalarAt[sk++])};`);
      else {
        lines.push(`  let a${i} = in${tk}[o${tk}];`);
        tk++;
      }
      names.push(`a${i}`);
    });
    const pnames = paramAt.map((slot) => `mf(${slot}u)`);
    lines.push(`  out[o${tensors.length}] = ${o.expr(names, pnames)};`);
    return header(inputs, [{ name: 'out', type: outType }]) + entry(WG, lines.join('\n'));
  };

  rt.dispatch(
    { key, inputs: tensors.length, outputs: 1, source },
    tensors.map((t) => t.storage as GPUBuffer),
    [out],
    m.u,
    Math.ceil(n / WG),
  );
  return out;
}

/**
 * Software adapters load per lane, so four elements per invocation (vec4 loads of operands that
 * are contiguous along the innermost dim, one splatted load of those broadcast along it) run
 * about twice as fast. Needs the innermost dim a multiple of 4 and vec4-aligned strides and
 * offsets; outputs are padded to 16 bytes, so the last vec4 may run past the end.
 */
function vectorizable(
  shape: readonly number[],
  strides: readonly number[][],
  tensors: readonly TensorView[],
): boolean {
  const r = shape.length;
  if (r === 0 || shape[r - 1] % 4 !== 0) return false;
  return strides.every((st, k) => {
    if (st[r - 1] === 0) return true;
    if (st[r - 1] !== 1 || tensors[k].offset % 4 !== 0) return false;
    return st.every((s, d) => d === r - 1 || s % 4 === 0);
  });
}

function mapVec4(
  rt: Runtime,
  o: MapOptions,
  tensors: readonly TensorView[],
  shape: readonly number[],
  strides: readonly number[][],
  out: GPUBuffer,
): void {
  const r = shape.length;
  const n4 = numel(shape) / 4;
  const vec = tensors.map((_, k) => strides[k][r - 1] === 1);
  const m = new Meta();
  m.u32(n4);
  const shapeAt = m.all(shape.map((d, i) => (i === r - 1 ? d / 4 : d)));
  const strideAt: number[] = [];
  const offsetAt: number[] = [];
  tensors.forEach((t, k) => {
    strideAt.push(m.all(strides[k].map((s, i) => (vec[k] ? (i === r - 1 ? 1 : s / 4) : s))));
    offsetAt.push(m.u32(vec[k] ? t.offset / 4 : t.offset));
  });
  const scalarAt: number[] = [];
  for (const x of o.operands) if (isScalar(x)) scalarAt.push(m.scalar(x.dtype, x.scalar));
  const paramAt = (o.params ?? []).map((p) => m.f32(p));
  const types = o.operands.map((x) => wgslType(x.dtype));
  const outType = wgslType(o.outDType);
  let tk = 0;
  const sig = o.operands
    .map((x, i) => (isScalar(x) ? `s${types[i]}` : `${vec[tk++] ? 'v' : 'b'}${types[i]}`))
    .join(',');
  const key = `map4:${o.op}:${sig}:${outType}:r${r}:p${paramAt.length}`;

  const source = (): string => {
    const inputs = tensors.map((t, k) => ({
      name: `in${k}`,
      type: vec[k] ? `vec4<${wgslType(t.dtype)}>` : wgslType(t.dtype),
    }));
    const lines: string[] = ['  if (gid >= mu(0u)) { return; }', '  var rem = gid;'];
    for (let k = 0; k < tensors.length; k++) lines.push(`  var o${k} = mu(${offsetAt[k]}u);`);
    for (let d = r - 1; d >= 0; d--) {
      lines.push(
        d > 0
          ? `  { let c = rem % mu(${shapeAt + d}u); rem = rem / mu(${shapeAt + d}u);`
          : '  { let c = rem;',
      );
      for (let k = 0; k < tensors.length; k++) lines.push(`    o${k} += c * mu(${strideAt[k] + d}u);`);
      lines.push('  }');
    }
    let t = 0;
    let sk = 0;
    const kinds: ('v' | 's')[] = [];
    o.operands.forEach((x, i) => {
      if (isScalar(x)) {
        lines.push(`  let a${i} = ${metaRead(types[i], scalarAt[sk++])};`);
        kinds.push('s');
      } else {
        lines.push(`  let a${i} = in${t}[o${t}];`);
        kinds.push(vec[t] ? 'v' : 's');
        t++;
      }
    });
    const pnames = paramAt.map((slot) => `mf(${slot}u)`);
    const parts = ['x', 'y', 'z', 'w'].map((comp) =>
      o.expr(
        o.operands.map((_, i) => (kinds[i] === 'v' ? `a${i}.${comp}` : `a${i}`)),
        pnames,
      ),
    );
    lines.push(`  out[gid] = vec4<${outType}>(${parts.join(', ')});`);
    return header(inputs, [{ name: 'out', type: `vec4<${outType}>` }]) + entry(WG, lines.join('\n'));
  };
  rt.dispatch(
    { key, inputs: tensors.length, outputs: 1, source },
    tensors.map((x) => x.storage as GPUBuffer),
    [out],
    m.u,
    Math.ceil(n4 / WG),
  );
}
