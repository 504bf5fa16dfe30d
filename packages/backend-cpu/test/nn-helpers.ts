import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installAutograd } from '@nn/autograd';
import { type Backend, type FusedKernels, registerBackend, type Tensor } from '@nn/tensor';
import { cpu } from '../src/cpu.js';
import { nnKernels } from '../src/nn/index.js';

const NN_KERNELS = [
  'conv2d',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'maxPool2d',
  'maxPool2dBackward',
  'avgPool2d',
  'avgPool2dBackward',
] as const;

/** Registers 'nn-fused' (the cpu conv/pool kernels) and 'nn-composite' (no conv/pool kernels: the frontend's composites). */
export function setupBackends(): { fused: string; composite: string } {
  installAutograd();
  const a = cpu({ name: 'nn-fused' });
  const fused: Backend = { ...a, fused: { ...a.fused, ...nnKernels((s) => s) } };
  const b = cpu({ name: 'nn-composite' });
  const rest: FusedKernels = { ...b.fused };
  for (const k of NN_KERNELS) delete (rest as Record<string, unknown>)[k];
  const composite: Backend = { ...b, fused: rest };
  registerBackend(fused);
  registerBackend(composite);
  return { fused: 'nn-fused', composite: 'nn-composite' };
}

const here = dirname(fileURLToPath(import.meta.url));
const LAYERS = join(here, '../../conformance/fixtures/layers');

/** The PyTorch reference cases for layers, committed in the conformance package. */
export function layersDir(): string {
  if (!existsSync(LAYERS)) throw new Error(`reference cases not found in ${LAYERS}`);
  return LAYERS;
}

export interface RefTensor {
  shape: number[];
  dtype: string;
  data: unknown;
}

export interface RefCase {
  name: string;
  config: Record<string, unknown>;
  inputs: Record<string, RefTensor>;
  params?: Record<string, RefTensor>;
  buffers?: Record<string, RefTensor>;
  buffers_after?: Record<string, RefTensor>;
  output: RefTensor;
  grad_output?: RefTensor;
  grads?: Record<string, RefTensor>;
  tolerance: { rtol: number; atol: number };
}

export function loadCase(file: string): RefCase {
  return JSON.parse(readFileSync(join(layersDir(), file), 'utf8')) as RefCase;
}

export function flat(v: unknown): number[] {
  return Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [Number(v)];
}

/** The first element where |got - want| > atol + rtol * |want|, or null. */
export function mismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok) return `element ${i}: got ${got[i]}, want ${want[i]}`;
  }
  return null;
}

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}
