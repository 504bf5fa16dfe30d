import { type Tensor, tensor, ValueError } from '@nn/tensor';

/** Targets past the end of a sequence: what `crossEntropy` ignores by default. */
export const IGNORE_INDEX = -100;

/** Options of `CharVocabulary`: which character marks the start and end of a text. */
export interface CharVocabularyOptions {
  /** The start/end token, id 0 (default `'.'`); must not be one of the characters. */
  boundary?: string;
}

/** Next-character sequences of a list of texts, row-major `[n, context]`, on the host. */
export interface SequenceArrays {
  /** Inputs: the boundary token, then the text's ids, then the boundary again as padding. */
  x: Int32Array;
  /** Targets: the text's ids, then the boundary token, then `IGNORE_INDEX` as padding. */
  y: Int32Array;
  n: number;
  context: number;
}

/** `SequenceArrays` as tensors on a backend, ready for a language model's loss. */
export interface Sequences {
  /** int32 `[n, context]`. */
  x: Tensor;
  /** int32 `[n, context]`; `-100` where no character is predicted. */
  y: Tensor;
}

/**
 * Characters ↔ token ids for a character-level language model: id 0 is the boundary token
 * (start and end of every text, `'.'` by default), ids 1.. are the characters in the order given.
 */
export class CharVocabulary {
  /** Token of each id: `tokens[0]` is the boundary. */
  readonly tokens: readonly string[];
  readonly boundary: string;
  readonly #ids: Map<string, number>;

  constructor(chars: Iterable<string>, options: CharVocabularyOptions = {}) {
    const boundary = options.boundary ?? '.';
    if (typeof boundary !== 'string' || [...boundary].length !== 1)
      throw new ValueError(`CharVocabulary: boundary must be one character, got '${String(boundary)}'`);
    const tokens = [boundary];
    for (const c of chars) {
      if (typeof c !== 'string' || [...c].length !== 1)
        throw new ValueError(`CharVocabulary: tokens must be single characters, got '${String(c)}'`);
      if (tokens.includes(c)) {
        throw new ValueError(
          c === boundary
            ? `CharVocabulary: '${c}' is the boundary token and cannot also be a character`
            : `CharVocabulary: '${c}' is listed twice`,
        );
      }
      tokens.push(c);
    }
    this.boundary = boundary;
    this.tokens = Object.freeze(tokens);
    this.#ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** The distinct characters of `texts`, sorted by code point, after the boundary token. */
  static fromTexts(texts: Iterable<string>, options: CharVocabularyOptions = {}): CharVocabulary {
    const seen = new Set<string>();
    for (const t of texts) for (const c of t) seen.add(c);
    return new CharVocabulary([...seen].sort(), options);
  }

  /** Number of tokens, the boundary included: the model's input and output size. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of one character (or of the boundary token). */
  id(char: string): number {
    const id = this.#ids.get(char);
    if (id === undefined)
      throw new ValueError(`CharVocabulary: '${char}' is not in the vocabulary '${this.tokens.join('')}'`);
    return id;
  }

  /** Ids of a text's characters, without boundary tokens. */
  encode(text: string): Int32Array {
    return Int32Array.from([...text], (c) => this.id(c));
  }

  /** The text of token ids; decoding stops at the first boundary token. */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.size)
        throw new ValueError(`CharVocabulary: token id ${id} is outside 0..${this.size - 1}`);
      if (id === 0) break;
      out += this.tokens[id];
    }
    return out;
  }

  /**
   * Every text as one training row of length `context`: input `.abc..` → target `abc.` then
   * ignored positions (`-100`). `context` must hold the longest text plus its boundary token.
   */
  sequenceArrays(texts: readonly string[], context: number): SequenceArrays {
    if (!Number.isInteger(context) || context < 1)
      throw new ValueError(`CharVocabulary.sequences: context must be a positive integer, got ${context}`);
    const n = texts.length;
    const x = new Int32Array(n * context);
    const y = new Int32Array(n * context).fill(IGNORE_INDEX);
    texts.forEach((text, r) => {
      const ids = this.encode(text);
      if (ids.length + 1 > context) {
        throw new ValueError(
          `CharVocabulary.sequences: '${text}' has ${ids.length} characters; context ${context} holds at most ${context - 1} plus the end token`,
        );
      }
      const row = r * context;
      x.set(ids, row + 1);
      y.set(ids, row);
      y[row + ids.length] = 0;
    });
    return { x, y, n, context };
  }

  /** `sequenceArrays` as int32 tensors `[n, context]` on `backend` (the current one by default). */
  sequences(texts: readonly string[], context: number, options: { backend?: string } = {}): Sequences {
    const s = this.sequenceArrays(texts, context);
    const shape = [s.n, context];
    const x = tensor(s.x, { shape, backend: options.backend });
    try {
      return { x, y: tensor(s.y, { shape, backend: options.backend }) };
    } catch (e) {
      x.dispose();
      throw e;
    }
  }
}
