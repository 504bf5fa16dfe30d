import {
  type InterpolateMode,
  interpolate,
  pixelShuffle,
  pixelUnshuffle,
  type Tensor,
  ValueError,
} from '@nn/tensor';
import { Module } from '../module.js';
import { positiveInt } from './util.js';

/** Options of `new Upsample(...)`: the output size or a scale factor, and the resampling mode. */
export interface UpsampleOptions {
  /** Output spatial size (one number for every dim). Give this or scaleFactor. */
  size?: number | readonly number[];
  /** Multiplies each spatial size (floored). Give this or size. */
  scaleFactor?: number | readonly number[];
  /** 'nearest' (default), 'linear', 'bilinear' or 'trilinear'. */
  mode?: InterpolateMode;
  /** Linear modes only: map corner pixel centres onto each other. */
  alignCorners?: boolean;
}

/** Resamples [N, C, ...spatial] to a size or by a factor (PyTorch's nn.Upsample; see `interpolate`). */
export class Upsample extends Module {
  readonly size: number | readonly number[] | undefined;
  readonly scaleFactor: number | readonly number[] | undefined;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | undefined;

  constructor(options: UpsampleOptions) {
    super();
    if (!options || (options.size === undefined) === (options.scaleFactor === undefined))
      throw new ValueError('Upsample: give exactly one of size and scaleFactor');
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.mode = options.mode ?? 'nearest';
    this.alignCorners = options.alignCorners;
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, {
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
    });
  }

  protected override extraRepr(): string {
    const what =
      this.size !== undefined
        ? `size=${JSON.stringify(this.size)}`
        : `scaleFactor=${JSON.stringify(this.scaleFactor)}`;
    return `${what}, mode='${this.mode}'`;
  }
}

/** Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (sub-pixel convolution's upsampling step). */
export class PixelShuffle extends Module {
  readonly upscaleFactor: number;
  constructor(upscaleFactor: number) {
    super();
    this.upscaleFactor = positiveInt('PixelShuffle', 'upscaleFactor', upscaleFactor);
  }
  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }
  protected override extraRepr(): string {
    return `upscaleFactor=${this.upscaleFactor}`;
  }
}

/** The inverse of PixelShuffle: [*, C, H·r, W·r] into [*, C·r², H, W]. */
export class PixelUnshuffle extends Module {
  readonly downscaleFactor: number;
  constructor(downscaleFactor: number) {
    super();
    this.downscaleFactor = positiveInt('PixelUnshuffle', 'downscaleFactor', downscaleFactor);
  }
  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }
  protected override extraRepr(): string {
    return `downscaleFactor=${this.downscaleFactor}`;
  }
}
