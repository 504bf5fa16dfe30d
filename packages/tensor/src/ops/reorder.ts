import { recordOp, withGradMode } from '../engine.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeDim, normalizeDims } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { narrow } from './indexing.js';
import { cat, contiguous, reshape } from './shape.js';
import { takeAlong } from './take.js';
import { assertTensor } from './util.js';

function intList(op: string, name: string, v: number | readonly number[]): number[] {
  const list = typeof v === 'number' ? [v] : Array.isArray(v) ? [...v] : null;
  if (!list || list.some((k) => !Number.isInteger(k)))
    throw new ValueError(`${op}: ${name} must be an integer or a list of integers, got ${String(v)}`);
  return list;
}

/** x with the order of its entries reversed along each of `dims` (PyTorch's flip; a copy). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  assertTensor('flip', 'input', x);
  const list = intList('flip', 'dims', dims);
  // An empty list flips nothing (normalizeDims would read it as every dim).
  const ds = list.length === 0 ? [] : normalizeDims('flip', list, x.ndim);
  // One step per flipped dim (a rank's worth at most), each step's input freed by the scope.
  const y = withGradMode(false, () =>
    tidy(() => {
      let cur = contiguous(x, true);
      for (const d of ds) {
        const n = cur.shape[d];
        if (n < 2) continue;
        const positions = new Int32Array(n);
        for (let i = 0; i < n; i++) positions[i] = n - 1 - i;
        cur = takeAlong(cur, d, positions);
      }
      return cur;
    }),
  );
  recordOp('flip', [x], [y], { dims: ds });
  return y;
}

/** Entries shifted by `shifts` along `dims`, wrapping around; without dims, over the flattened tensor. */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  assertTensor('roll', 'input', x);
  const s = intList('roll', 'shifts', shifts);
  if (dims === undefined || dims === null) {
    if (s.length !== 1)
      throw new ValueError(`roll: without dims, shifts must be one integer, got [${s.join(', ')}]`);
    return tidy(() => reshape(roll(reshape(x, [x.size]), s[0], 0), x.shape));
  }
  const ds = intList('roll', 'dims', dims).map((d) => normalizeDim('roll', d, x.ndim));
  if (ds.length !== s.length) {
    throw new ShapeError(
      `roll: shifts [${s.join(', ')}] and dims [${ds.join(', ')}] must have the same length (input ${fmtShape(x.shape)})`,
    );
  }
  const y = withGradMode(false, () =>
    tidy(() => {
      let cur = contiguous(x, true);
      ds.forEach((d, i) => {
        const n = cur.shape[d] ?? 1;
        const k = n === 0 ? 0 : ((s[i] % n) + n) % n;
        if (k === 0) return;
        cur = cat([narrow(cur, d, n - k, k), narrow(cur, d, 0, n - k)], d);
      });
      return cur;
    }),
  );
  recordOp('roll', [x], [y], { shifts: s, dims: ds });
  return y;
}
