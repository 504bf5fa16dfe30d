import {
  add,
  cat,
  checkOptions,
  chunk,
  dropout,
  fmtShape,
  matmul,
  mul,
  optionKeys,
  relu,
  ShapeError,
  select,
  sigmoid,
  squeeze,
  stack,
  sub,
  type Tensor,
  tanh,
  transpose,
  t as transposeT,
  unsqueeze,
  ValueError,
  zeros,
} from '@nn/tensor';
import { uniform } from '../init.js';
import { Module } from '../module.js';
import { type FactoryOptions, param, positiveInt, probability } from './util.js';

/** Options shared by `RNN`, `LSTM` and `GRU` (PyTorch's names in camelCase). */
export interface RNNOptions extends FactoryOptions {
  numLayers?: number;
  /** Learn bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
  /** Dropout on each layer's output except the last, in training (default 0). */
  dropout?: number;
  bidirectional?: boolean;
}

const RNN_KEYS = optionKeys<RNNOptions>({
  dtype: 1,
  backend: 1,
  numLayers: 1,
  bias: 1,
  batchFirst: 1,
  dropout: 1,
  bidirectional: 1,
});

type Kind = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

interface CellWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

/**
 * The shared body of RNN, LSTM and GRU, following PyTorch exactly: parameters `weight_ih_l{k}`
 * [gates·hidden, input], `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (suffix `_reverse` for
 * the backward direction), gate order LSTM i,f,g,o and GRU r,z,n, all initialised
 * U(-1/√hidden, 1/√hidden).
 */
abstract class RNNBase<State> extends Module<[Tensor, State?], [Tensor, State]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly useBias: boolean;
  readonly batchFirst: boolean;
  readonly dropoutP: number;
  readonly bidirectional: boolean;
  protected readonly kind: Kind;

  protected constructor(kind: Kind, inputSize: number, hiddenSize: number, o: RNNOptions) {
    super();
    const op = kind.startsWith('RNN') ? 'RNN' : kind;
    checkOptions(op, o, op === 'RNN' ? [...RNN_KEYS, 'nonlinearity'] : RNN_KEYS);
    this.kind = kind;
    this.inputSize = positiveInt(op, 'inputSize', inputSize);
    this.hiddenSize = positiveInt(op, 'hiddenSize', hiddenSize);
    this.numLayers = positiveInt(op, 'numLayers', o.numLayers ?? 1);
    this.useBias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropoutP = probability(op, 'dropout', o.dropout ?? 0);
    this.bidirectional = o.bidirectional ?? false;
    const g = GATES[kind] * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    const rec = this as unknown as Record<string, Tensor>;
    const dirs = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        rec[`weight_ih${sfx}`] = uniform(param([g, inSize], o), -bound, bound);
        rec[`weight_hh${sfx}`] = uniform(param([g, hiddenSize], o), -bound, bound);
        if (this.useBias) {
          rec[`bias_ih${sfx}`] = uniform(param([g], o), -bound, bound);
          rec[`bias_hh${sfx}`] = uniform(param([g], o), -bound, bound);
        }
      }
    }
  }

  protected weights(layer: number, reverse: boolean): CellWeights {
    const rec = this as unknown as Record<string, Tensor>;
    const sfx = `_l${layer}${reverse ? '_reverse' : ''}`;
    return {
      wIh: rec[`weight_ih${sfx}`],
      wHh: rec[`weight_hh${sfx}`],
      bIh: this.useBias ? rec[`bias_ih${sfx}`] : null,
      bHh: this.useBias ? rec[`bias_hh${sfx}`] : null,
    };
  }

  protected get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Checks x ([T, B, I], [B, T, I] or unbatched [T, I]) and returns it as [T, B, I] plus whether it was batched. */
  protected prepare(x: Tensor): { seq: Tensor; batched: boolean } {
    const name = this.constructor.name;
    if ((x.ndim !== 3 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${name}: expected input [seq, batch, ${this.inputSize}]${this.batchFirst ? ' ([batch, seq, ...] with batchFirst)' : ''} or unbatched [seq, ${this.inputSize}], got ${fmtShape(x.shape)}`,
      );
    }
    if (x.ndim === 2) return { seq: unsqueeze(x, 1), batched: false };
    return { seq: this.batchFirst ? transpose(x, 0, 1) : x, batched: true };
  }

  /** An initial state [layers·dirs, B, H], checked, or zeros. */
  protected initialState(
    what: string,
    s: Tensor | undefined,
    batch: number,
    batched: boolean,
    like: Tensor,
  ): Tensor {
    const want = [this.numLayers * this.numDirections, batch, this.hiddenSize];
    if (s === undefined || s === null) return zeros(want, { dtype: like.dtype, backend: like.backendName });
    const given = batched ? s.shape : [s.shape[0], 1, s.shape[1]];
    if (s.ndim !== (batched ? 3 : 2) || given.some((d, i) => d !== want[i])) {
      throw new ShapeError(
        `${this.constructor.name}: ${what} must have shape ${fmtShape(batched ? want : [want[0], want[2]])}, got ${fmtShape(s.shape)}`,
      );
    }
    return batched ? s : unsqueeze(s, 1);
  }

  /** Runs every layer and direction; `states` holds each layer-direction's initial state tensors. */
  protected run(seq: Tensor, init: Tensor[]): { output: Tensor; finals: Tensor[][] } {
    const T = seq.shape[0];
    let input = seq;
    const finals: Tensor[][] = init.map(() => []);
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const k = l * this.numDirections + d;
        const w = this.weights(l, d === 1);
        // Input projections for all time steps at once: [T, B, G·H].
        const wIhT = transposeT(w.wIh);
        let xw = matmul(input, wIhT);
        if (w.bIh) xw = add(xw, w.bIh);
        const wHhT = transposeT(w.wHh);
        let state = init.map((s) => select(s, 0, k));
        const steps: Tensor[] = new Array(T);
        for (let i = 0; i < T; i++) {
          const t = d === 1 ? T - 1 - i : i;
          state = this.cell(select(xw, 0, t), state, wHhT, w.bHh);
          steps[t] = state[0];
        }
        outs.push(stack(steps, 0));
        for (const [j, s] of state.entries()) finals[j].push(s);
      }
      input = outs.length === 1 ? outs[0] : cat(outs, 2);
      if (this.dropoutP > 0 && this.training && l < this.numLayers - 1)
        input = dropout(input, { p: this.dropoutP, training: true });
    }
    return { output: input, finals };
  }

  /** One time step: the new state (h first) from the projected input xw [B, G·H]. */
  protected cell(xw: Tensor, state: Tensor[], wHhT: Tensor, bHh: Tensor | null): Tensor[] {
    let hw = matmul(state[0], wHhT);
    if (bHh) hw = add(hw, bHh);
    switch (this.kind) {
      case 'RNN_TANH':
        return [tanh(add(xw, hw))];
      case 'RNN_RELU':
        return [relu(add(xw, hw))];
      case 'LSTM': {
        const [i, f, g, o] = chunk(add(xw, hw), 4, 1);
        const c = add(mul(sigmoid(f), state[1]), mul(sigmoid(i), tanh(g)));
        return [mul(sigmoid(o), tanh(c)), c];
      }
      case 'GRU': {
        const [xr, xz, xn] = chunk(xw, 3, 1);
        const [hr, hz, hn] = chunk(hw, 3, 1);
        const r = sigmoid(add(xr, hr));
        const z = sigmoid(add(xz, hz));
        const n = tanh(add(xn, mul(r, hn)));
        // (1 - z) n + z h
        return [add(mul(sub(1, z), n), mul(z, state[0]))];
      }
    }
  }

  /** Output back to the caller's layout. */
  protected finishOutput(output: Tensor, batched: boolean): Tensor {
    if (!batched) return squeeze(output, 1);
    return this.batchFirst ? transpose(output, 0, 1) : output;
  }

  protected finishState(parts: Tensor[], batched: boolean): Tensor {
    const s = stack(parts, 0);
    return batched ? s : squeeze(s, 1);
  }

  protected override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}, numLayers=${this.numLayers}${this.bidirectional ? ', bidirectional=true' : ''}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}

/** Options of `RNN`: the shared ones plus the nonlinearity (default 'tanh'). */
export interface ElmanRNNOptions extends RNNOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/** Elman RNN: h' = act(W_ih x + b_ih + W_hh h + b_hh). `forward(x, h0?)` returns `[output, hN]` as PyTorch. */
export class RNN extends RNNBase<Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, options: ElmanRNNOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new ValueError(`RNN: nonlinearity must be 'tanh' or 'relu', got '${String(nl)}'`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }
  forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const { seq, batched } = this.prepare(x);
    const h = this.initialState('h0', h0, seq.shape[1], batched, seq);
    const { output, finals } = this.run(seq, [h]);
    return [this.finishOutput(output, batched), this.finishState(finals[0], batched)];
  }
}

/** Long short-term memory. `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]` as PyTorch. */
export class LSTM extends RNNBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }
  forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const { seq, batched } = this.prepare(x);
    if (state !== undefined && (!Array.isArray(state) || state.length !== 2)) {
      throw new ValueError('LSTM: the initial state must be a pair [h0, c0]');
    }
    const h = this.initialState('h0', state?.[0], seq.shape[1], batched, seq);
    const c = this.initialState('c0', state?.[1], seq.shape[1], batched, seq);
    const { output, finals } = this.run(seq, [h, c]);
    return [
      this.finishOutput(output, batched),
      [this.finishState(finals[0], batched), this.finishState(finals[1], batched)],
    ];
  }
}

/** Gated recurrent unit (gates r, z, n as PyTorch). `forward(x, h0?)` returns `[output, hN]`. */
export class GRU extends RNNBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
  forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const { seq, batched } = this.prepare(x);
    const h = this.initialState('h0', h0, seq.shape[1], batched, seq);
    const { output, finals } = this.run(seq, [h]);
    return [this.finishOutput(output, batched), this.finishState(finals[0], batched)];
  }
}
