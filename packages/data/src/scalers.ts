import {
  checkOptions,
  isTensor,
  keep,
  ShapeError,
  type Tensor,
  tensor,
  tidy,
  ValueError,
  where,
} from '@nn/tensor';

/** What a fitted scaler saves: per-feature offset and scale, so `transform(x) = (x - offset) / scale`. */
export interface ScalerState {
  offset: number[];
  scale: number[];
}

/**
 * Per-feature affine scaling of `[N, F]` (or `[N]`) tensors, computed on the tensors' backend.
 * `fit` learns the statistics; `transform`/`inverseTransform` return new tensors; `state()`
 * reads them back for saving and `fromState` restores them. Call `dispose()` to free them.
 */
abstract class AffineScaler {
  #offset: Tensor | null = null;
  #scale: Tensor | null = null;
  #features = -1;

  protected abstract stats(x: Tensor): [Tensor, Tensor];

  /** Learns the statistics of `x` (rows are examples). */
  fit(x: Tensor): this {
    checkInput(this.constructor.name, 'fit', x);
    if (x.shape[0] === 0) throw new ValueError(`${this.constructor.name}.fit: no examples`);
    const [offset, scale] = tidy(() => {
      const [o, s] = this.stats(x.float());
      // Constant features would divide by zero; leave them unscaled, as scikit-learn does.
      return [o, where(s.eq(0), 1, s)];
    });
    this.#set(keep(offset), keep(scale), x.ndim === 1 ? 0 : x.shape[1]);
    return this;
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  transform(x: Tensor): Tensor {
    const [o, s] = this.#ready('transform', x);
    return tidy(() => x.float().sub(o).div(s));
  }

  inverseTransform(x: Tensor): Tensor {
    const [o, s] = this.#ready('inverseTransform', x);
    return tidy(() => x.float().mul(s).add(o));
  }

  get fitted(): boolean {
    return this.#offset !== null;
  }

  /** The learned statistics as numbers (async: reading may wait for the device). */
  async state(): Promise<ScalerState> {
    const [o, s] = this.#need('state');
    return { offset: Array.from(await o.data()), scale: Array.from(await s.data()) };
  }

  /** Restores statistics saved by `state()` on the current (or given) backend. */
  loadState(state: ScalerState, options: { backend?: string } = {}): this {
    checkOptions(`${this.constructor.name}.loadState`, options, ['backend']);
    const ok = (v: unknown): v is number[] =>
      Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n));
    if (
      !state ||
      !ok(state.offset) ||
      !ok(state.scale) ||
      state.offset.length !== state.scale.length ||
      state.offset.length === 0
    ) {
      throw new ValueError(
        `${this.constructor.name}.loadState: expected { offset: number[], scale: number[] } of equal, non-zero length`,
      );
    }
    if (state.scale.some((v) => v === 0))
      throw new ValueError(`${this.constructor.name}.loadState: a scale of 0 cannot be inverted`);
    const features = state.offset.length === 1 && state.scale.length === 1 ? -2 : state.offset.length;
    this.#set(
      tensor(Float32Array.from(state.offset), { backend: options.backend }),
      tensor(Float32Array.from(state.scale), { backend: options.backend }),
      features,
    );
    return this;
  }

  dispose(): void {
    this.#offset?.dispose();
    this.#scale?.dispose();
    this.#offset = this.#scale = null;
  }

  #set(offset: Tensor, scale: Tensor, features: number): void {
    this.dispose();
    this.#offset = offset;
    this.#scale = scale;
    this.#features = features;
  }

  #need(op: string): [Tensor, Tensor] {
    if (!this.#offset || !this.#scale)
      throw new ValueError(`${this.constructor.name}.${op}: call fit() first`);
    return [this.#offset, this.#scale];
  }

  #ready(op: string, x: Tensor): [Tensor, Tensor] {
    const pair = this.#need(op);
    checkInput(this.constructor.name, op, x);
    const f = x.ndim === 1 ? 0 : x.shape[1];
    // -2 marks a one-feature state restored from JSON, which fits [N] and [N, 1] alike.
    const matches = this.#features === -2 ? f === 0 || f === 1 : f === this.#features;
    if (!matches) {
      throw new ShapeError(
        `${this.constructor.name}.${op}: fitted on ${this.#features === 0 ? 'a [N] vector' : `${this.#features} features`}, got shape [${x.shape.join(',')}]`,
      );
    }
    return pair;
  }
}

function checkInput(name: string, op: string, x: Tensor): void {
  if (!isTensor(x)) throw new ValueError(`${name}.${op}: expected a tensor`);
  if (x.ndim !== 1 && x.ndim !== 2) {
    throw new ShapeError(`${name}.${op}: expected [N] or [N, F], got shape [${x.shape.join(',')}]`);
  }
}

/** Zero mean, unit variance per feature (population std, as scikit-learn). */
export class StandardScaler extends AffineScaler {
  protected stats(x: Tensor): [Tensor, Tensor] {
    return [x.mean({ dim: 0 }), x.std({ dim: 0, correction: 0 })];
  }
}

/** Each feature mapped to [0, 1] by its fitted min and max. */
export class MinMaxScaler extends AffineScaler {
  protected stats(x: Tensor): [Tensor, Tensor] {
    const lo = x.amin({ dim: 0 });
    return [lo, x.amax({ dim: 0 }).sub(lo)];
  }
}
