// Digits the composite kernels must keep, against float64 references.
import { cpu } from '@nn/backend-cpu';
import { describe, expect, it } from 'vitest';
import { logSoftmax, registerBackend, setBackend, tensor } from '../src/index.js';

// The cpu backend without its fused softmax: logSoftmax takes the composite path (as on webgpu).
const base = cpu({ name: 'cpu-composite' });
registerBackend({ ...base, fused: { ...base.fused, softmax: undefined, softmaxBackward: undefined } });
setBackend('cpu-composite');

/** float64 log-softmax of one row. */
function logSoftmaxRef(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
  return row.map((v) => v - m - Math.log(s));
}

describe('composite logSoftmax', () => {
  it('keeps the digits of large logits: (x - m) - log(s), not x - (m + log(s))', async () => {
    for (const scale of [1e4, -3e5, 2e6]) {
      const row = Array.from(Float32Array.from([0.1, 0.7, -0.3, 0.25, 1.5], (v) => scale + v));
      const got = Array.from(await logSoftmax(tensor(row), 0).data());
      const want = logSoftmaxRef(row);
      // float32 rounding of values of size ~2 is ~1e-7; rounding m + log(s) at 1e4 costs ~5e-4.
      for (let i = 0; i < row.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6);
    }
  });

  it('matches the reference along an inner dim and keeps -inf entries', async () => {
    const rows = [
      [3, 1, -2],
      [1000.5, 1000.25, -Infinity],
    ];
    const got = Array.from(await logSoftmax(tensor(rows), 1).data());
    const want = rows.flatMap((r) => logSoftmaxRef(Array.from(Float32Array.from(r))));
    got.forEach((g, i) => {
      if (want[i] === -Infinity) expect(g).toBe(-Infinity);
      else expect(Math.abs(g - want[i])).toBeLessThan(1e-6);
    });
  });
});
