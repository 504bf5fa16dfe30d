// Every fused kernel is optional: the frontend's composites stand in for the ones a backend lacks.
// The whole suite runs on the cpu backend with no fused kernels at all, and with only the forward
// halves of its fused kernels (their gradients then take the composite).
import { cpu } from '@nn/backend-cpu';
import { runConformance } from '@nn/conformance';
import type { Backend } from '@nn/tensor';

function withoutFused(name: string): Backend {
  return { ...cpu({ name }), fused: undefined };
}

// Keeps every forward kernel the backend has, whatever gets added later, and drops each backward.
function forwardOnly(name: string): Backend {
  const b = cpu({ name });
  const forward = Object.entries(b.fused ?? {}).filter(([kernel]) => !kernel.endsWith('Backward'));
  return { ...b, fused: Object.fromEntries(forward) };
}

runConformance({ name: 'cpu without fused kernels', backend: () => withoutFused('cpu-composite') });
runConformance({ name: 'cpu with forward kernels only', backend: () => forwardOnly('cpu-forward') });
