// Outside Node there is no Dawn to fall back on: navigator.gpu was the only way.
import { BackendError } from '@nn/tensor';

export async function platformGPU(): Promise<GPU> {
  throw new BackendError(
    'webgpu: this browser has no WebGPU (navigator.gpu is missing); use another backend such as cpu()',
  );
}
