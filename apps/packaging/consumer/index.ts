// A user's TypeScript that imports every nn package, compiled with `skipLibCheck: false` so that
// every .d.ts the packages ship is checked (test/consumers.test.ts).
import * as all from '@nn/all';
import * as autograd from '@nn/autograd';
import * as cpu from '@nn/backend-cpu';
import * as wasm from '@nn/backend-wasm';
import * as webgpu from '@nn/backend-webgpu';
import * as data from '@nn/data';
import * as io from '@nn/io';
import * as layers from '@nn/layers';
import * as losses from '@nn/losses';
import * as optim from '@nn/optim';
import * as tensor from '@nn/tensor';
import * as train from '@nn/train';

export const packages = [all, autograd, cpu, wasm, webgpu, data, io, layers, losses, optim, tensor, train];

export async function step(): Promise<number> {
  tensor.use(await wasm.wasm({ threads: 1, wasmUrl: 'https://example.org/kernels.wasm' }));
  const model = new layers.Sequential(new layers.Linear(2, 1));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const loss = losses.mseLoss(model.call(tensor.randn([4, 2])), tensor.zeros([4, 1]));
  loss.backward();
  opt.step();
  return loss.item();
}
