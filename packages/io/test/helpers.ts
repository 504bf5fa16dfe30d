import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu } from '@nn/backend-cpu';
import { getBackend, listBackends, registerBackend, setBackend } from '@nn/tensor';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A fixture's bytes (files made by PyTorch 1.13 and the reference safetensors writer). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** Makes cpu the current backend (registered once). */
export function useCpu(): void {
  if (!listBackends().includes('cpu')) registerBackend(cpu());
  setBackend('cpu');
  getBackend();
}

/** A JSON value of the fixtures as a number ("inf", "-inf", "nan" strings for non-finite floats). */
export function num(v: unknown): number {
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (v === 'nan') return Number.NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

/** Nested JSON lists flattened in C order. */
export function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [num(v)];
}

/** Same values, NaN equal to NaN and -0 distinct from 0 (bit-exact reading). */
export function sameValues(got: ArrayLike<number>, want: readonly number[]): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return false;
  return true;
}
