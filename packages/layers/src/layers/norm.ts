import {
  add,
  batchNorm,
  checkOptions,
  fmtShape,
  layerNorm,
  ones,
  optionKeys,
  ShapeError,
  scalar,
  type Tensor,
  ValueError,
  withGradMode,
  zeros,
} from '@nn/tensor';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type FactoryOptions, positiveInt } from './util.js';

/** Options of `BatchNorm1d` / `BatchNorm2d` (eps default 1e-5). */
export interface BatchNormLayerOptions extends FactoryOptions {
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true). */
  trackRunningStats?: boolean;
}

/**
 * Batch normalization over the channel dim 1. Buffers and parameters carry PyTorch's names
 * (`weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`).
 */
abstract class BatchNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  protected abstract readonly ranks: readonly number[];

  protected constructor(op: string, numFeatures: number, o: BatchNormLayerOptions) {
    super();
    checkOptions(
      op,
      o,
      optionKeys<BatchNormLayerOptions>({
        dtype: 1,
        backend: 1,
        eps: 1,
        momentum: 1,
        affine: 1,
        trackRunningStats: 1,
      }),
    );
    this.numFeatures = positiveInt(op, 'numFeatures', numFeatures);
    this.eps = o.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`${op}: eps must be >= 0, got ${this.eps}`);
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    if (this.momentum !== null && !Number.isFinite(this.momentum))
      throw new ValueError(`${op}: momentum must be a number or null`);
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const f = { dtype: o.dtype ?? 'float32', backend: o.backend };
    this.weight = this.affine ? Parameter(ones([numFeatures], f)) : null;
    this.bias = this.affine ? Parameter(zeros([numFeatures], f)) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], f));
      this.registerBuffer('running_var', ones([numFeatures], f));
      this.registerBuffer('num_batches_tracked', scalar(0, { dtype: 'int32', backend: o.backend }));
    }
  }

  get runningMean(): Tensor | null {
    return ((this as unknown as Record<string, unknown>).running_mean as Tensor | undefined) ?? null;
  }
  get runningVar(): Tensor | null {
    return ((this as unknown as Record<string, unknown>).running_var as Tensor | undefined) ?? null;
  }
  get numBatchesTracked(): Tensor | null {
    return ((this as unknown as Record<string, unknown>).num_batches_tracked as Tensor | undefined) ?? null;
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${this.constructor.name}: expected input of rank ${this.ranks.join(' or ')} with ${this.numFeatures} channels in dim 1, got ${fmtShape(x.shape)}`,
      );
    }
    const useBatch = this.training || !this.trackRunningStats;
    let momentum = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt) {
      // Counted on the host: one int per step, never read back from a device.
      this.#count += 1;
      const count = this.#count;
      withGradMode(false, () => {
        const next = add(nbt, 1);
        nbt.assign(next);
        next.dispose();
      });
      if (this.momentum === null) momentum = 1 / count;
    }
    return batchNorm(
      x,
      useBatch && !this.trackRunningStats ? null : this.runningMean,
      useBatch && !this.trackRunningStats ? null : this.runningVar,
      this.weight,
      this.bias,
      { training: useBatch, momentum, eps: this.eps },
    );
  }

  #count = 0;

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}`;
  }
}

/** BatchNorm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }
}

/** BatchNorm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }
}

/** Options of `LayerNorm` (eps default 1e-5). */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  /** Learn a scale and shift of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  bias?: boolean;
}

/** Normalizes over the trailing `normalizedShape` dims of each sample. */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions(
      'LayerNorm',
      options,
      optionKeys<LayerNormOptions>({ dtype: 1, backend: 1, eps: 1, elementwiseAffine: 1, bias: 1 }),
    );
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    for (const d of this.normalizedShape) positiveInt('LayerNorm', 'normalizedShape', d);
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`LayerNorm: eps must be >= 0, got ${this.eps}`);
    const f = { dtype: options.dtype ?? 'float32', backend: options.backend };
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? Parameter(ones(this.normalizedShape, f)) : null;
    this.bias = affine && options.bias !== false ? Parameter(zeros(this.normalizedShape, f)) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  protected override extraRepr(): string {
    return `[${this.normalizedShape}], eps=${this.eps}`;
  }
}
