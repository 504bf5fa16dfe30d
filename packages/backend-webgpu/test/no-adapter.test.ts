// Without a driver there is no adapter: webgpu() says so in one line and other backends keep working.
import { cpu } from '@nn/backend-cpu';
import { BackendError, registerBackend, setBackend, tensor } from '@nn/tensor';
import { afterEach, expect, it } from 'vitest';
import { webgpu } from '../src/index.js';

const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

afterEach(() => {
  if (saved) Object.defineProperty(globalThis, 'navigator', saved);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

it('rejects with a one-line BackendError naming the missing driver, and cpu still works', async () => {
  const gpu = { requestAdapter: async () => null };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const err = await webgpu().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  const message = (err as Error).message;
  expect(message).toMatch(/no WebGPU adapter/);
  expect(message).toMatch(/lavapipe/);
  expect(message.includes('\n')).toBe(false);
  registerBackend(cpu());
  setBackend('cpu');
  expect(Array.from(await tensor([1, 2]).add(1).data())).toEqual([2, 3]);
});
