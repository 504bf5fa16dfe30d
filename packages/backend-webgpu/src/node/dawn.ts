// WebGPU in Node.js: Dawn from the optional `webgpu` package, imported on first use.
import { BackendError } from '@nn/tensor';

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

export async function platformGPU(): Promise<GPU> {
  let mod: DawnModule;
  try {
    mod = (await import('webgpu')) as DawnModule;
  } catch (e) {
    throw new BackendError(
      `webgpu: WebGPU in Node needs the 'webgpu' package (npm install webgpu@0.6.2), which failed to load: ${(e as Error).message}`,
    );
  }
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  return mod.create([]);
}
