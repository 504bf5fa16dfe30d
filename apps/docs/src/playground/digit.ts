/**
 * A digit drawn on a canvas → the 28×28 pixels an MNIST model expects. MNIST digits were
 * scaled so their longer side is 20 pixels and shifted so their centre of mass sits at the centre
 * of the 28×28 frame; doing the same to a drawing is what makes a model trained on MNIST read it.
 */

export const SIDE = 28;
const BOX = 20;

/** Ink in [0, 1], row-major, `width × height`. */
export interface InkImage {
  width: number;
  height: number;
  ink: Float32Array;
}

/** Ink from canvas RGBA pixels: the brightest channel (the pad draws white on black). */
export function inkFromRgba(rgba: Uint8ClampedArray, width: number, height: number): InkImage {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) {
    ink[i] = Math.max(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]) / 255;
  }
  return { width, height, ink };
}

/** The drawing as 784 MNIST-style pixels, or null when nothing is drawn. */
export function toMnistPixels(img: InkImage, threshold = 0.05): Float32Array | null {
  const { width, height, ink } = img;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale));
  const oh = Math.max(1, Math.round(bh * scale));
  // Box filter: each output pixel averages the source area it covers.
  const small = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const sy0 = y0 + (oy * bh) / oh;
    const sy1 = y0 + ((oy + 1) * bh) / oh;
    for (let ox = 0; ox < ow; ox++) {
      const sx0 = x0 + (ox * bw) / ow;
      const sx1 = x0 + ((ox + 1) * bw) / ow;
      let sum = 0;
      let area = 0;
      for (let sy = Math.floor(sy0); sy < Math.ceil(sy1); sy++) {
        const wy = Math.min(sy + 1, sy1) - Math.max(sy, sy0);
        for (let sx = Math.floor(sx0); sx < Math.ceil(sx1); sx++) {
          const wx = Math.min(sx + 1, sx1) - Math.max(sx, sx0);
          sum += ink[sy * width + sx] * wx * wy;
          area += wx * wy;
        }
      }
      small[oy * ow + ox] = area > 0 ? sum / area : 0;
    }
  }
  // Place the box so its centre of mass lands on the frame's centre.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const v = small[y * ow + x];
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  const left = Math.round(SIDE / 2 - (mass > 0 ? cx / mass : ow / 2) - 0.5);
  const top = Math.round(SIDE / 2 - (mass > 0 ? cy / mass : oh / 2) - 0.5);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < oh; y++) {
    const ty = top + y;
    if (ty < 0 || ty >= SIDE) continue;
    for (let x = 0; x < ow; x++) {
      const tx = left + x;
      if (tx < 0 || tx >= SIDE) continue;
      out[ty * SIDE + tx] = Math.min(1, small[y * ow + x]);
    }
  }
  return out;
}
