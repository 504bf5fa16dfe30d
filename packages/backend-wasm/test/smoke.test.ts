import { describe, expect, it } from 'vitest';
import * as nn from '@nn/tensor';
import { wasm } from '../src/index.js';

describe('smoke', () => {
  it('adds and matmuls', async () => {
    const b = await wasm({ threads: 1 });
    nn.registerBackend(b);
    nn.setBackend('wasm');
    const a = nn.tensor([[1, 2], [3, 4]]);
    const c = nn.matmul(a, a);
    expect(Array.from(await c.data())).toEqual([7, 10, 15, 22]);
    const d = nn.add(a, nn.tensor([10, 20]));
    expect(Array.from(await d.data())).toEqual([11, 22, 13, 24]);
    expect(await nn.sum(a).item()).toBe(10);
  });
});
