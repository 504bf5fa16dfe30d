import type { DType, TypedArray } from './dtype.js';
import { ShapeError, ValueError } from './errors.js';
import type { NestedArray } from './tensor.js';

/** Row-major flat values into nested arrays of `shape` (bools as booleans). */
export function nest(flat: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(flat[0]);
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(d === shape.length - 1 ? conv(flat[pos++]) : build(d + 1));
    return out;
  };
  return build(0);
}

/** Shape and flat values of nested arrays; checks that they are rectangular. */
export function flattenNested(
  op: string,
  data: unknown,
): { shape: number[]; values: number[]; allBool: boolean } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values: number[] = [];
  let allBool = true;
  let anyValue = false;
  const walk = (v: unknown, d: number, path: string): void => {
    if (d === shape.length) {
      if (Array.isArray(v))
        throw new ShapeError(`${op}: nested arrays are ragged at ${path} (expected a number)`);
      if (typeof v === 'boolean') values.push(v ? 1 : 0);
      else if (typeof v === 'number') {
        allBool = false;
        values.push(v);
      } else throw new ValueError(`${op}: expected numbers or booleans, got ${typeof v} at ${path}`);
      anyValue = true;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw new ShapeError(
        `${op}: nested arrays are ragged at ${path} (expected length ${shape[d]}, got ${Array.isArray(v) ? v.length : typeof v})`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], d + 1, `${path}[${i}]`);
  };
  walk(data, 0, 'data');
  return { shape, values, allBool: allBool && anyValue };
}
