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
