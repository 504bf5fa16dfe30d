import type { DType, TypedArray } from './dtype.js';

const EDGE = 3;
const SUMMARIZE_OVER = 1000;

function formatter(values: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  let allInt = true;
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    maxAbs = Math.max(maxAbs, a);
    if (a > 0) minAbs = Math.min(minAbs, a);
  }
  const special = (v: number): string | null =>
    Number.isNaN(v)
      ? 'nan'
      : v === Number.POSITIVE_INFINITY
        ? 'inf'
        : v === Number.NEGATIVE_INFINITY
          ? '-inf'
          : null;
  if (allInt && maxAbs < 1e8) return (v) => special(v) ?? `${v.toFixed(0)}.`;
  if (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Number.POSITIVE_INFINITY) || maxAbs / minAbs > 1e3) {
    return (v) => special(v) ?? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return (v) => special(v) ?? v.toFixed(4);
}

/** 'mul:scalar' -> 'MulBackward0', as PyTorch names its graph nodes. */
function backwardName(op: string): string {
  const base = op.split(':')[0];
  return `${base.charAt(0).toUpperCase()}${base.slice(1)}Backward0`;
}

/** PyTorch-like text: `tensor([[1., 2.], [3., 4.]])`, summarised with `...` past 1000 elements. */
export function formatTensor(
  values: TypedArray,
  shape: readonly number[],
  dtype: DType,
  requiresGrad = false,
  gradFnName?: string,
): string {
  const fmt = formatter(values, dtype);
  const summarize = values.length > SUMMARIZE_OVER;
  const strs: string[] = [];
  for (let i = 0; i < values.length; i++) strs.push(fmt(values[i]));
  const width = strs.reduce((w, s) => Math.max(w, s.length), 0);
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const indent = 'tensor('.length;
  const render = (d: number, base: number): string => {
    if (shape.length === 0) return strs[0];
    const n = shape[d];
    const idx: (number | null)[] = [];
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (d === shape.length - 1) {
      return `[${idx.map((i) => (i === null ? '...' : strs[base + i].padStart(width))).join(', ')}]`;
    }
    const sep = `,${'\n'.repeat(shape.length - d - 1)}${' '.repeat(indent + d + 1)}`;
    return `[${idx.map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d]))).join(sep)}]`;
  };
  const extras: string[] = [];
  if (values.length === 0) extras.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  if (dtype !== 'float32' && dtype !== 'bool' && !(dtype === 'int32' && values.length > 0))
    extras.push(`dtype=${dtype}`);
  if (dtype === 'int32' && values.length > 0) extras.push('dtype=int32');
  if (gradFnName) extras.push(`grad_fn=<${backwardName(gradFnName)}>`);
  else if (requiresGrad) extras.push('requires_grad=True');
  return `tensor(${render(0, 0)}${extras.map((e) => `, ${e}`).join('')})`;
}
