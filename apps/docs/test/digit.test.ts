import { describe, expect, it } from 'vitest';
import { inkFromRgba, SIDE, toMnistPixels } from '../src/playground/digit.js';

function image(width: number, height: number, on: (x: number, y: number) => boolean) {
  const ink = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) ink[y * width + x] = on(x, y) ? 1 : 0;
  return { width, height, ink };
}

function box(p: Float32Array) {
  let x0 = SIDE;
  let x1 = -1;
  let y0 = SIDE;
  let y1 = -1;
  let m = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = p[y * SIDE + x];
      if (v > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
      m += v;
      cx += v * x;
      cy += v * y;
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: cx / m, cy: cy / m };
}

describe('a drawing becomes MNIST pixels', () => {
  it('nothing drawn gives null', () => {
    expect(toMnistPixels(image(280, 280, () => false))).toBeNull();
  });

  it('scales the longer side to 20 pixels and centres the mass, wherever it was drawn', () => {
    // A tall bar in the top-left corner of a 280×280 pad.
    const p = toMnistPixels(image(280, 280, (x, y) => x >= 10 && x < 50 && y >= 5 && y < 205))!;
    const b = box(p);
    expect(b.h).toBe(20);
    expect(b.w).toBe(4);
    expect(Math.abs(b.cx - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(b.cy - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...p)).toBeLessThanOrEqual(1);
  });

  it('reads ink from RGBA (white on black)', () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255]);
    expect(Array.from(inkFromRgba(rgba, 2, 1).ink)).toEqual([1, 0]);
  });
});
