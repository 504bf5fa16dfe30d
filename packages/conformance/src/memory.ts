/**
 * A training loop written the obvious way keeps flat memory: 1,000 steps of forward, backward and
 * a manual SGD update on a small MLP of raw tensors end with as many tensors and bytes as step 10.
 */
import { noGrad } from '@nn/autograd';
import {
  add,
  keep,
  manualSeed,
  matmul,
  mean,
  memory,
  randn,
  relu,
  square,
  sub,
  type Tensor,
  tensor,
  tidy,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { rng } from './oracle.js';

function param(shape: number[], scale: number): Tensor {
  const p = randn(shape, { std: scale });
  p.requiresGrad = true;
  return p;
}

export function registerMemoryTests(): void {
  describe('memory', () => {
    it('1,000 steps of forward + backward + SGD leave tensors and bytes unchanged', async () => {
      manualSeed(42);
      const r = rng(42);
      const x = tensor(
        Float32Array.from({ length: 16 * 4 }, () => r() * 2 - 1),
        { shape: [16, 4] },
      );
      const y = tensor(
        Float32Array.from({ length: 16 }, () => r()),
        { shape: [16, 1] },
      );
      const params = [param([4, 8], 0.5), param([8], 0.1), param([8, 1], 0.5), param([1], 0.1)];
      const [w1, b1, w2, b2] = params;
      const lr = 0.05;
      const losses: number[] = [];
      let afterStep10 = { numTensors: -1, numBytes: -1 };
      let end = afterStep10;
      for (let step = 1; step <= 1000; step++) {
        const loss = tidy(() => {
          const h = relu(add(matmul(x, w1), b1));
          const out = add(matmul(h, w2), b2);
          const l = mean(square(sub(out, y)));
          l.backward();
          noGrad(() => {
            for (const p of params) p.assign(p.sub(p.grad!.mul(lr)));
          });
          return step === 1 || step === 1000 ? l : undefined;
        });
        for (const p of params) p.zeroGrad();
        if (step === 1000) {
          // Counted before the read below yields to the event loop, where the finalizer may free
          // tensors other tests leaked. The last loss is still alive here: one float32 scalar.
          const m = memory();
          end = { numTensors: m.numTensors - 1, numBytes: m.numBytes - 4 };
        }
        if (loss) {
          losses.push(await loss.item());
          loss.dispose();
        }
        if (step === 10) afterStep10 = { numTensors: memory().numTensors, numBytes: memory().numBytes };
      }
      expect(end).toEqual(afterStep10);
      // The loop really trained (so the steps did the work they claim to).
      expect(losses[1]).toBeLessThan(losses[0]);
      for (const t of [x, y, ...params]) t.dispose();
    }, 120_000);

    it('tensor() copies its data: changing the source array afterwards changes nothing', async () => {
      const f = new Float32Array([1.5, -2, 3]);
      const i = new Int32Array([4, 5, 6]);
      const a = tensor(f);
      const b = tensor(i, { dtype: 'int32' });
      const c = tensor(f, { dtype: 'int32' });
      f.fill(9);
      i.fill(9);
      expect(Array.from(await a.data())).toEqual([1.5, -2, 3]);
      expect(Array.from(await b.data())).toEqual([4, 5, 6]);
      expect(Array.from(await c.data())).toEqual([1, -2, 3]); // converted (truncated) at creation
      for (const t of [a, b, c]) t.dispose();
    });

    it('tidy frees intermediates and keeps what it returns', async () => {
      const before = memory().numTensors;
      const a = tensor([1, 2, 3]);
      const kept = tidy(() => {
        const b = add(a, 1);
        const c = square(b);
        return add(c, 0.5);
      });
      expect(memory().numTensors).toBe(before + 2);
      expect(Array.from(await kept.data())).toEqual([4.5, 9.5, 16.5]);
      a.dispose();
      kept.dispose();
      expect(memory().numTensors).toBe(before);
    });

    it('a nested tidy that returns a tensor from outside it leaves that tensor where it was', async () => {
      // Module.call scopes every layer: an identity layer returns its input, which the enclosing
      // scope must not take over (it would free the caller's tensor), nor a kept tensor.
      const x = tensor([1, 2]);
      const made: Tensor[] = [];
      const y = tidy(() => {
        const passed = tidy(() => x);
        const k = tidy(() => keep(add(x, 1)));
        made.push(k);
        return add(passed, k);
      });
      expect([x.isDisposed, made[0].isDisposed]).toEqual([false, false]);
      expect(Array.from(await x.data())).toEqual([1, 2]);
      expect(Array.from(await made[0].data())).toEqual([2, 3]);
      expect(Array.from(await y.data())).toEqual([3, 5]);
      for (const t of [x, y, made[0]]) t.dispose();
    });

    it('backward releases the graph: disposing the leaves returns memory to where it was', async () => {
      const before = { numTensors: memory().numTensors, numBytes: memory().numBytes };
      const w = tensor(
        [
          [0.5, -1],
          [2, 0.25],
        ],
        { requiresGrad: true },
      );
      const loss = tidy(() => mean(square(matmul(w, w))));
      loss.backward();
      expect(w.grad).not.toBeNull();
      loss.dispose();
      w.dispose();
      expect({ numTensors: memory().numTensors, numBytes: memory().numBytes }).toEqual(before);
    });
  });
}
