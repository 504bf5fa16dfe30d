import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { randn, type Tensor, use, zeros } from '@nn/tensor';
import type { ProgressStream, TrainableModel } from '../src/index.js';

export function setup(): void {
  use(cpu());
  installAutograd();
}

/** y = x·W + b with raw tensors: a model that needs nothing but @nn/tensor. */
export function linearModel(
  inFeatures: number,
  outFeatures: number,
): TrainableModel & { w: Tensor; b: Tensor } {
  const w = randn([inFeatures, outFeatures], { std: 0.1, requiresGrad: true });
  const b = zeros([outFeatures], { requiresGrad: true });
  return { w, b, forward: (x: Tensor) => x.matmul(w).add(b), parameters: () => [w, b] };
}

/** A stream that records what the progress display writes. */
export function recorder(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    text: '',
    isTTY,
    write(t: string) {
      s.text += t;
      return true;
    },
  };
  return s;
}
