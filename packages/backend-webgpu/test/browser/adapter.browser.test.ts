import { registerBackend, setBackend, tensor } from '@nn/tensor';
import { expect, it } from 'vitest';
import { webgpu } from '../../src/index.js';

it('finds WebGPU in the page and computes on it', async () => {
  const b = await webgpu();
  registerBackend(b);
  setBackend('webgpu');
  console.log(`adapter: ${b.adapterInfo}`);
  const y = tensor([
    [1, 2],
    [3, 4],
  ]).matmul(tensor([[1], [1]]));
  expect(Array.from(await y.data())).toEqual([3, 7]);
});
