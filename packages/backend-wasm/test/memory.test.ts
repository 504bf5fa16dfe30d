import { installAutograd, noGrad } from '@nn/autograd';
import * as nn from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmBackend, wasm } from '../src/index.js';

let b: WasmBackend;

beforeAll(async () => {
  b = await wasm({ threads: 2, name: 'wasm-memory' });
  nn.registerBackend(b);
  nn.setBackend('wasm-memory');
  installAutograd();
});

afterAll(() => b.dispose());

/** One SGD step of a small CNN (conv, relu, max pool, linear, log-softmax, NLL) on a fixed batch. */
function step(params: nn.Tensor[], x: nn.Tensor, target: nn.Tensor): nn.Tensor[] {
  const [w1, w2, b2] = params;
  nn.tidy(() => {
    const h = nn.relu(nn.conv2d(x, w1, null, { padding: 1 }));
    const p = nn.maxPool2d(h, { kernelSize: 2 });
    const logits = nn.add(nn.matmul(nn.flatten(p, 1), w2), b2);
    const logp = nn.logSoftmax(logits, 1);
    const loss = nn.neg(nn.mean(nn.gather(logp, 1, target)));
    loss.backward();
    return [];
  });
  return params.map((q) => {
    const next = nn.tidy(() => noGrad(() => nn.sub(q, nn.mul(q.grad!, 0.05))));
    q.dispose();
    return nn.keep(next.requiresGrad_());
  });
}

describe('memory', () => {
  it('1000 training steps of a small CNN keep wasm bytes in use flat', () => {
    nn.manualSeed(0);
    const x = nn.keep(nn.randn([4, 1, 12, 12]));
    const target = nn.keep(nn.tensor([[1], [0], [3], [2]], { dtype: 'int32' }));
    let params = [nn.randn([4, 1, 3, 3]), nn.mul(nn.randn([4 * 6 * 6, 5]), 0.1), nn.zeros([5])].map((t) =>
      nn.keep(t.requiresGrad_()),
    );
    for (let i = 0; i < 10; i++) params = step(params, x, target);
    const before = b.memory();
    const heapBefore = b.heapStats();
    const tensorsBefore = nn.memory().numTensors;
    for (let i = 0; i < 990; i++) params = step(params, x, target);
    const after = b.memory();
    // Scratch blocks (im2col buffers, layout metadata) are all returned too.
    expect(b.heapStats().allocatedBytes).toBe(heapBefore.allocatedBytes);
    expect(nn.memory().numTensors).toBe(tensorsBefore);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    // Reused blocks: the heap did not keep growing either.
    expect(after.bytesInUse + (after.bytesReserved ?? 0)).toBe(
      before.bytesInUse + (before.bytesReserved ?? 0),
    );
    for (const t of [...params, x, target]) t.dispose();
  });

  it('a fresh backend reports no bytes in use (scratch and thread blocks are not tensor storage)', async () => {
    const fresh = await wasm({ threads: 2, name: 'wasm-fresh' });
    expect(fresh.memory().bytesInUse).toBe(0);
    expect(fresh.heapStats().allocatedBytes).toBeGreaterThan(0);
    fresh.dispose();
  });

  it('dispose returns bytes and freed blocks are reused', () => {
    const start = b.memory().bytesInUse;
    const t = nn.zeros([1000]);
    expect(b.memory().bytesInUse).toBeGreaterThanOrEqual(start + 4000);
    t.dispose();
    expect(b.memory().bytesInUse).toBe(start);
    const total = b.memory().bytesInUse + (b.memory().bytesReserved ?? 0);
    for (let i = 0; i < 100; i++) nn.zeros([1000]).dispose();
    expect(b.memory().bytesInUse + (b.memory().bytesReserved ?? 0)).toBe(total);
  });

  it('grows memory for large tensors and stays readable afterwards', async () => {
    const small = nn.arange(0, 10);
    const big = nn.ones([8 * 1024 * 1024]);
    expect(await nn.sum(big).item()).toBe(8 * 1024 * 1024);
    expect(Array.from(await small.data())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    big.dispose();
    small.dispose();
  });
});
