import { checkNumber, describeValue, ValueError } from '@nn/tensor';

/** A finite number satisfying `ok` (any finite number by default), else a ValueError. */
export function finite(
  op: string,
  name: string,
  v: unknown,
  ok: (n: number) => boolean = () => true,
  what = 'a finite number',
): number {
  return checkNumber(op, name, v, (n) => Number.isFinite(n) && ok(n), what);
}

/** An integer > 0 (sizes, step counts), else a ValueError. */
export function positiveInt(op: string, name: string, v: unknown): number {
  return checkNumber(op, name, v, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
}

export const nonNegative = (n: number): boolean => n >= 0 && Number.isFinite(n);

/** A finite number >= 0 (learning rates, eps, decays...), else a ValueError. */
export function checkNonNegative(op: string, name: string, v: unknown): number {
  return checkNumber(op, name, v, nonNegative, 'a finite number >= 0');
}
export const unitInterval = (n: number): boolean => n >= 0 && n < 1;

export function checkBetas(op: string, v: unknown): readonly [number, number] {
  if (!Array.isArray(v) || v.length !== 2)
    throw new ValueError(`${op}: betas must be a pair [beta1, beta2], got ${describeValue(v)}`);
  checkNumber(op, 'betas[0]', v[0], unitInterval, 'in [0, 1)');
  checkNumber(op, 'betas[1]', v[1], unitInterval, 'in [0, 1)');
  return [v[0], v[1]];
}

export function checkBoolean(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ValueError(`${op}: ${name} must be true or false, got ${describeValue(v)}`);
  return v;
}
