// Device behaviour: pipeline reuse across batch sizes, flat memory over many steps, errors as BackendError.
import { installAutograd, noGrad } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import type { Tensor } from '@nn/tensor';
import {
  BackendError,
  getBackend,
  manualSeed,
  matmul,
  mean,
  randn,
  registerBackend,
  setBackend,
  sub,
  sum,
  tidy,
} from '@nn/tensor';
import { describe, expect, it, vi } from 'vitest';
import { type WebGPUBackend, webgpu } from '../src/index.js';
import { backendOrReason } from './adapter.js';
import { pair, values } from './oracle.js';

const found = await backendOrReason();
const gpu = found as WebGPUBackend;

describe.skipIf(typeof found === 'string')(
  `webgpu runtime${typeof found === 'string' ? ` (skipped: ${found})` : ''}`,
  () => {
    it('compiles no new pipeline when only the batch size changes', async () => {
      const run = async (batch: number) => {
        const x = pair(gpu, values(batch * 30, batch), 'float32', [batch, 30]).gpu;
        const w = pair(gpu, values(30 * 20, 2), 'float32', [30, 20]).gpu;
        const bias = pair(gpu, values(20, 3), 'float32', [20]).gpu;
        const y = gpu.matmul(x, w);
        const yv = { storage: y, dtype: 'float32' as const, shape: [batch, 20], strides: [20, 1], offset: 0 };
        const z = gpu.binary('add', yv, bias, [batch, 20]);
        const zv = { ...yv, storage: z };
        const s = gpu.reduce('sum', zv, [1]);
        const sm = gpu.fused.softmax!(zv, 1, true);
        await gpu.read(s, 'float32', batch);
        for (const b of [x.storage, w.storage, bias.storage, y, z, s, sm]) gpu.free(b);
      };
      await run(8);
      const compiled = gpu.runtime.pipelineCount;
      await run(13);
      await run(100);
      expect(gpu.runtime.pipelineCount).toBe(compiled);
    });

    it('keeps GPU bytes in use flat over 1,000 training steps', async () => {
      registerBackend(cpu());
      registerBackend(gpu);
      setBackend('webgpu');
      installAutograd();
      manualSeed(0);
      const w = randn([16, 1]);
      w.requiresGrad = true;
      const x = randn([64, 16]);
      const target = sum(x, { dim: 1, keepdim: true });
      const step = (): Tensor => {
        const loss = tidy(() => {
          const diff = sub(matmul(x, w), target);
          return mean(diff.mul(diff));
        });
        loss.backward();
        noGrad(() => tidy(() => void w.assign(sub(w, w.grad!.mul(0.05)))));
        w.zeroGrad();
        return loss;
      };
      const losses: number[] = [];
      let inUse = 0;
      for (let i = 0; i < 1000; i++) {
        const loss = step();
        if (i % 100 === 0) losses.push(await loss.item());
        loss.dispose();
        if (i === 20) {
          await gpu.sync();
          inUse = gpu.memory().bytesInUse;
        }
      }
      await gpu.sync();
      expect(gpu.memory().bytesInUse).toBe(inUse);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 10);
      expect(getBackend().name).toBe('webgpu');
    });

    it('rejects a tensor larger than one buffer may be with a BackendError', () => {
      expect(() => gpu.fill(2 ** 31, 'float32', 0)).toThrow(BackendError);
      // The backend keeps working afterwards.
      gpu.free(gpu.fill(4, 'float32', 1));
    });

    it('takes a name and shuts down with dispose(); destroy() is its deprecated alias', async () => {
      const named = await webgpu({ name: 'gpu-b' });
      expect(named.name).toBe('gpu-b');
      expect(gpu.name).toBe('webgpu');
      named.free(named.fill(4, 'float32', 1));
      named.dispose();
      await named.runtime.device.lost;
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const old = await webgpu();
        old.destroy();
        (await webgpu()).destroy();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0][0]).toMatch(/WebGPUBackend\.destroy\(\) is deprecated.*use dispose\(\)/);
      } finally {
        warn.mockRestore();
      }
    });

    it('turns a lost device into a BackendError on the next call and read, not a hang', async () => {
      const doomed = await webgpu();
      const s = doomed.fill(8, 'float32', 2);
      doomed.runtime.device.destroy();
      await doomed.runtime.device.lost;
      await expect(doomed.read(s, 'float32', 8)).rejects.toThrow(BackendError);
      expect(() => doomed.fill(8, 'float32', 2)).toThrow(/device was lost/);
    });
  },
);
