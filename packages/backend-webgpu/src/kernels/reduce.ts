import type { ReduceOp, TensorView } from '@nn/tensor';
import { collapse, numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta, wgslType } from '../wgsl.js';

type Mode = ReduceOp | 'argmax' | 'argmin';

function initOf(mode: Mode, type: string): string {
  const f = type === 'f32';
  switch (mode) {
    case 'sum':
      return f ? '0.0' : `${type}(0)`;
    case 'prod':
      return f ? '1.0' : `${type}(1)`;
    case 'max':
    case 'argmax':
      return f ? '-inf_f()' : type === 'i32' ? 'i32(-2147483648)' : '0u';
    case 'min':
    case 'argmin':
      return f ? 'inf_f()' : type === 'i32' ? '2147483647i' : '1u';
  }
}

function combine(mode: ReduceOp, type: string, a: string, b: string): string {
  switch (mode) {
    case 'sum':
      return `${a} + ${b}`;
    case 'prod':
      return `${a} * ${b}`;
    case 'max':
      return type === 'f32' ? `max_f(${a}, ${b})` : `max(${a}, ${b})`;
    case 'min':
      return type === 'f32' ? `min_f(${a}, ${b})` : `min(${a}, ${b})`;
  }
}

/** True when value v (index iv) should replace the best so far (index ib): NaN counts as extreme, ties go to the lower index. */
function better(
  mode: 'argmax' | 'argmin',
  type: string,
  v: string,
  best: string,
  iv: string,
  ib: string,
): string {
  const cmp = mode === 'argmax' ? '>' : '<';
  const strict = `${v} ${cmp} ${best}`;
  const tie = `(${v} == ${best} && ${iv} < ${ib})`;
  if (type !== 'f32') return `(${strict} || ${tie})`;
  return `((is_nan(${v}) && !is_nan(${best})) || (is_nan(${v}) && is_nan(${best}) && ${iv} < ${ib}) || (!is_nan(${best}) && (${strict} || ${tie})))`;
}

/** Offset expression of inner index `j` over `rank` dims whose shape/strides start at the given slots. */
function offsetOf(index: string, rank: number, shapeAt: number, strideAt: number, name: string): string {
  if (rank === 0) return `  let ${name} = 0u;`;
  const lines = [`  var ${name} = 0u;`, `  { var rem = ${index};`];
  for (let d = rank - 1; d >= 0; d--) {
    if (d > 0)
      lines.push(
        `    { let c = rem % mu(${shapeAt + d}u); rem = rem / mu(${shapeAt + d}u); ${name} += c * mu(${strideAt + d}u); }`,
      );
    else lines.push(`    ${name} += rem * mu(${strideAt}u);`);
  }
  lines.push('  }');
  return lines.join('\n');
}

/**
 * Reduces `axes` of x (or finds the arg-extremum along one axis). Few long rows: one workgroup
 * per output with a tree in workgroup memory; many short rows: one invocation per output.
 */
export function reduce(rt: Runtime, mode: Mode, x: TensorView, axes: readonly number[]): GPUBuffer {
  const keptDims = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const kept = collapse(
    keptDims.map((d) => x.shape[d]),
    [keptDims.map((d) => x.strides[d])],
  );
  const redShape = axes.map((d) => x.shape[d]);
  const red =
    mode === 'argmax' || mode === 'argmin'
      ? { shape: redShape, strides: [axes.map((d) => x.strides[d])] }
      : collapse(redShape, [axes.map((d) => x.strides[d])]);
  const O = numel(kept.shape);
  const R = numel(red.shape);
  const out = rt.createBuffer(O * 4);
  if (O === 0) return out;
  if ((mode === 'sum' || mode === 'prod') && x.dtype !== 'bool' && columnsVec4(kept, red, x.offset)) {
    reduceColumns4(rt, mode, x, red, O, out);
    return out;
  }

  const m = new Meta();
  m.u32(O);
  m.u32(R);
  m.u32(x.offset);
  const ks = m.all(kept.shape);
  const kst = m.all(kept.strides[0]);
  const rs = m.all(red.shape);
  const rst = m.all(red.strides[0]);
  const rk = kept.shape.length;
  const rr = red.shape.length;

  const arg = mode === 'argmax' || mode === 'argmin';
  const type = wgslType(x.dtype);
  // A workgroup per output pays for its tree only when rows are long or outputs few.
  const group = R >= 256 ? O < 4096 : R >= 64 && O < 256;
  const WG = group ? (R >= 1024 ? 256 : 64) : 64;
  const key = `reduce:${mode}:${type}:k${rk}:r${rr}:${group ? `g${WG}` : 't'}`;
  // Few outputs over very long rows: split each row into chunks, one workgroup each (so every
  // core works), then reduce the partial results.
  const chunks = group && !arg && O < 16 && R >= 32768 ? Math.min(64, Math.ceil(R / 16384)) : 1;
  const chunkLen = Math.ceil(R / chunks);
  const chunkAt = m.u32(chunks);
  m.u32(chunkLen);
  const target = chunks > 1 ? rt.createBuffer(O * chunks * 4) : out;

  const source = (): string => {
    const outType = arg ? 'i32' : type;
    const init = initOf(mode, type);
    const step = arg
      ? `    if (${better(mode, type, 'v', 'acc', 'j', 'ai')}) { acc = v; ai = j; }`
      : `    acc = ${combine(mode as ReduceOp, type, 'acc', 'v')};`;
    const load = [offsetOf('j', rr, rs, rst, 'ro'), `    let v = x[base + ro];`].join('\n');
    const head = header([{ name: 'x', type }], [{ name: 'out', type: outType }]);
    if (!group) {
      const body = `
  let o = gid;
  if (o >= mu(0u)) { return; }
${offsetOf('o', rk, ks, kst, 'ko')}
  let base = mu(2u) + ko;
  var acc = ${init};
  var ai = 0u;
  for (var j = 0u; j < mu(1u); j++) {
${load}
${step}
  }
  out[o] = ${arg ? 'i32(ai)' : 'acc'};`;
      return head + entry(WG, body);
    }
    const merge = arg
      ? `      let v = sv[lid + s]; let j = si[lid + s]; let acc0 = sv[lid]; let ai0 = si[lid];
      if (${better(mode, type, 'v', 'acc0', 'j', 'ai0')}) { sv[lid] = v; si[lid] = j; }`
      : `      sv[lid] = ${combine(mode as ReduceOp, type, 'sv[lid]', 'sv[lid + s]')};`;
    const body = `
  let o = group / mu(${chunkAt}u);
  if (o >= mu(0u)) { return; }
  let first = (group % mu(${chunkAt}u)) * mu(${chunkAt + 1}u);
  let end = min(mu(1u), first + mu(${chunkAt + 1}u));
${offsetOf('o', rk, ks, kst, 'ko')}
  let base = mu(2u) + ko;
  var acc = ${init};
  var ai = 0xffffffffu;
  for (var j = first + lid; j < end; j += ${WG}u) {
${load}
${step}
  }
  sv[lid] = acc;
  si[lid] = ai;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) {
${merge}
    }
    workgroupBarrier();
  }
  if (lid == 0u) { out[group] = ${arg ? 'i32(si[0])' : 'sv[0]'}; }`;
    return `${head}\nvar<workgroup> sv: array<${type}, ${WG}>;\nvar<workgroup> si: array<u32, ${WG}>;\n${entry(WG, body)}`;
  };
  rt.dispatch(
    { key, inputs: 1, outputs: 1, source },
    [x.storage as GPUBuffer],
    [target],
    m.u,
    group ? O * chunks : Math.ceil(O / WG),
  );
  if (chunks === 1) return target;
  rt.free(out);
  const partials: TensorView = {
    storage: target,
    dtype: x.dtype,
    shape: [O, chunks],
    strides: [chunks, 1],
    offset: 0,
  };
  const result = reduce(rt, mode, partials, [1]);
  rt.free(target);
  return result;
}

/** Kept dims one contiguous run of whole vec4s, reduced strides in whole vec4s (a sum over the batch, say). */
function columnsVec4(
  kept: { shape: number[]; strides: number[][] },
  red: { shape: number[]; strides: number[][] },
  offset: number,
): boolean {
  if (kept.shape.length !== 1 || kept.strides[0][0] !== 1 || kept.shape[0] % 4 !== 0 || offset % 4 !== 0)
    return false;
  return red.strides[0].every((s) => s % 4 === 0);
}

/** Four adjacent outputs per invocation, reading a vec4 per reduced element. */
function reduceColumns4(
  rt: Runtime,
  mode: 'sum' | 'prod',
  x: TensorView,
  red: { shape: number[]; strides: number[][] },
  O: number,
  out: GPUBuffer,
): void {
  const type = wgslType(x.dtype);
  const rr = red.shape.length;
  const m = new Meta();
  m.u32(O / 4);
  m.u32(numel(red.shape));
  m.u32(x.offset / 4);
  const rs = m.all(red.shape);
  const rst = m.all(red.strides[0].map((s) => s / 4));
  const WG = 64;
  const source = (): string => {
    const v = `vec4<${type}>`;
    const body = `
  let o = gid;
  if (o >= mu(0u)) { return; }
  var acc = ${v}(${mode === 'sum' ? `${type}(0)` : `${type}(1)`});
  for (var j = 0u; j < mu(1u); j++) {
${offsetOf('j', rr, rs, rst, 'ro')}
    acc ${mode === 'sum' ? '+=' : '*='} x[mu(2u) + o + ro];
  }
  out[o] = acc;`;
    return header([{ name: 'x', type: v }], [{ name: 'out', type: v }]) + entry(WG, body);
  };
  rt.dispatch(
    { key: `reduce4:${mode}:${type}:r${rr}`, inputs: 1, outputs: 1, source },
    [x.storage as GPUBuffer],
    [out],
    m.u,
    Math.ceil(O / 4 / WG),
  );
}
