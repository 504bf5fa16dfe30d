/**
 * The backends a cross-backend test of a higher package runs on: cpu and wasm always, webgpu when
 * an adapter is found (`webgpuOrReason`: outside CI a missing adapter skips the webgpu block and
 * its name says why; with CI=true it fails the run, as the backends' own suites do).
 */
import { cpu } from '@nn/backend-cpu';
import { wasm } from '@nn/backend-wasm';
import { webgpu } from '@nn/backend-webgpu';
import { type Backend, use } from '@nn/tensor';
import { beforeAll, describe } from 'vitest';
import { webgpuOrReason } from './vitest.shared.js';

interface Found {
  name: string;
  backend: Backend | null;
  reason: string;
}

async function find(): Promise<Found[]> {
  const out: Found[] = [
    { name: 'cpu', backend: cpu(), reason: '' },
    { name: 'wasm', backend: await wasm({ threads: 1 }), reason: '' },
  ];
  const gpu = await webgpuOrReason(() => webgpu());
  out.push(
    typeof gpu === 'string'
      ? { name: 'webgpu', backend: null, reason: gpu }
      : { name: 'webgpu', backend: gpu, reason: '' },
  );
  return out;
}

let found: Promise<Found[]> | null = null;

/** The backends found on this machine (made once per test file). */
export function testBackends(): Promise<Found[]> {
  found ??= find();
  return found;
}

/**
 * One describe block per backend, with that backend current (`use`) while its tests run. `only`
 * limits the blocks to the backends a habit applies to.
 */
export async function describeEachBackend(
  title: string,
  fn: (name: string) => void,
  only?: readonly string[],
): Promise<void> {
  for (const f of await testBackends()) {
    if (only && !only.includes(f.name)) continue;
    const skip = f.backend === null;
    describe.skipIf(skip)(`${title} on ${f.name}${skip ? ` (skipped: ${f.reason})` : ''}`, () => {
      beforeAll(() => {
        if (f.backend) use(f.backend);
      });
      fn(f.name);
    });
  }
}
