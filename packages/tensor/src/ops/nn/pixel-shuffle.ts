import { fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { permute, reshape } from '../shape.js';
import { assertTensor } from '../util.js';

function factor(op: string, r: number): number {
  if (!Number.isInteger(r) || r < 1)
    throw new ValueError(`${op}: the factor must be a positive integer, got ${r}`);
  return r;
}

/** Moves channels into space: [*, C·r², H, W] -> [*, C, H·r, W·r] (PyTorch's pixel_shuffle). */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  assertTensor('pixelShuffle', 'input', x);
  const r = factor('pixelShuffle', upscaleFactor);
  if (x.ndim < 3 || x.shape[x.ndim - 3] % (r * r) !== 0) {
    throw new ShapeError(
      `pixelShuffle: expected input [*, C * ${r * r}, H, W] (channels divisible by ${r}² = ${r * r}), got ${fmtShape(x.shape)}`,
    );
  }
  const lead = x.shape.slice(0, -3);
  const [cr, h, w] = x.shape.slice(-3);
  const c = cr / (r * r);
  const k = lead.length;
  return tidy(() => {
    const split = reshape(x, [...lead, c, r, r, h, w]);
    const moved = permute(split, [...lead.map((_, i) => i), k, k + 3, k + 1, k + 4, k + 2]);
    return reshape(moved, [...lead, c, h * r, w * r]);
  });
}

/** The inverse of pixelShuffle: [*, C, H·r, W·r] -> [*, C·r², H, W]. */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  assertTensor('pixelUnshuffle', 'input', x);
  const r = factor('pixelUnshuffle', downscaleFactor);
  if (x.ndim < 3 || x.shape[x.ndim - 2] % r !== 0 || x.shape[x.ndim - 1] % r !== 0) {
    throw new ShapeError(
      `pixelUnshuffle: expected input [*, C, H, W] with H and W divisible by ${r}, got ${fmtShape(x.shape)}`,
    );
  }
  const lead = x.shape.slice(0, -3);
  const [c, hr, wr] = x.shape.slice(-3);
  const h = hr / r;
  const w = wr / r;
  const k = lead.length;
  return tidy(() => {
    const split = reshape(x, [...lead, c, h, r, w, r]);
    const moved = permute(split, [...lead.map((_, i) => i), k, k + 2, k + 4, k + 1, k + 3]);
    return reshape(moved, [...lead, c * r * r, h, w]);
  });
}
