// One spelling per concept, PyTorch's: the others still work through 0.x, marked @deprecated,
// and warn once per program naming the replacement.
import { cpu } from '@nn/backend-cpu';
import { registerBackend, setBackend, tensor, var_, variance } from '@nn/tensor';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

beforeAll(() => {
  registerBackend(cpu());
  setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('deprecated spellings', () => {
  it('Tensor.rank is ndim and dim(), with one warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect([x.ndim, x.dim(), x.numel(), x.size]).toEqual([2, 2, 6, 6]);
    expect(warn).not.toHaveBeenCalled();
    expect(x.rank).toBe(2);
    expect(x.rank).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'nn: Tensor.rank is deprecated and will be removed in 1.0; use ndim or dim()',
    );
  });

  it('var_ is variance, with one warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = tensor([1, 2, 4, 8]);
    expect(var_(x).itemSync()).toBeCloseTo(variance(x).itemSync(), 6);
    expect(var_(x, { correction: 0 }).itemSync()).toBeCloseTo(x.var({ correction: 0 }).itemSync(), 6);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^nn: var_ is deprecated .* use variance\(x\) or x\.var\(\)$/);
  });

  it('the cpu backend takes a name and has dispose()', () => {
    const b = cpu({ name: 'cpu-b' });
    expect(b.name).toBe('cpu-b');
    expect(typeof b.dispose).toBe('function');
    b.dispose?.();
  });
});
