// Every fused kernel is optional: the frontend's composites stand in for the ones a backend lacks.
// The whole suite runs on the cpu backend with no fused kernels at all, and with only the forward
// halves of its conv and pool kernels (their gradients then take the composite).
import { cpu } from '@nn/backend-cpu';
import { runConformance } from '@nn/conformance';
import type { Backend } from '@nn/tensor';

function withoutFused(name: string): Backend {
  return { ...cpu({ name }), fused: undefined };
}

function forwardOnly(name: string): Backend {
  const b = cpu({ name });
  const f = b.fused ?? {};
  return {
    ...b,
    fused: { conv2d: f.conv2d, maxPool2d: f.maxPool2d, avgPool2d: f.avgPool2d, softmax: f.softmax },
  };
}

runConformance({ name: 'cpu without fused kernels', backend: () => withoutFused('cpu-composite') });
runConformance({ name: 'cpu with forward kernels only', backend: () => forwardOnly('cpu-forward') });
