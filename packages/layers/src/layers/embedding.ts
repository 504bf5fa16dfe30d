import {
  cat,
  checkOptions,
  embedding,
  IndexError,
  index,
  optionKeys,
  type Tensor,
  withGradMode,
  zeros as zerosOf,
} from '@nn/tensor';
import { normal } from '../init.js';
import { Module } from '../module.js';
import { type FactoryOptions, param, positiveInt } from './util.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row starts at zero and never gets a gradient (a padding token). */
  paddingIdx?: number | null;
}

/** A lookup table: int32 indices of any shape to rows of `weight` [numEmbeddings, embeddingDim], init N(0, 1). */
export class Embedding extends Module {
  weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions('Embedding', options, optionKeys<EmbeddingOptions>({ dtype: 1, backend: 1, paddingIdx: 1 }));
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    let pad = options.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new IndexError(`Embedding: paddingIdx ${pad} is out of range for ${numEmbeddings} embeddings`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = normal(param([numEmbeddings, embeddingDim], options));
    if (pad !== null) {
      const row = pad;
      withGradMode(false, () => {
        // Rebuild the table with the padding row zeroed.
        const parts: Tensor[] = [];
        const w = this.weight;
        const before = row > 0 ? index(w, [`0:${row}`]) : null;
        const after = row < numEmbeddings - 1 ? index(w, [`${row + 1}:`]) : null;
        const z = zerosOf([1, embeddingDim], { dtype: w.dtype, backend: w.backendName });
        if (before) parts.push(before);
        parts.push(z);
        if (after) parts.push(after);
        const full = cat(parts, 0);
        w.assign(full);
        for (const t of [...parts, full]) t.dispose();
      });
    }
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
