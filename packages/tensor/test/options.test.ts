import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOptions, optionKeys, suggestOption, UnknownOptionError, ValueError } from '../src/index.js';

const SGD_KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'];

function caught(fn: () => unknown): UnknownOptionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UnknownOptionError) return e;
    throw e;
  }
  throw new Error('expected an UnknownOptionError');
}

describe('checkOptions', () => {
  it('returns the options object, or {} for undefined and null', () => {
    const o = { lr: 0.1 };
    expect(checkOptions('SGD', o, SGD_KEYS)).toBe(o);
    expect(checkOptions('SGD', undefined, SGD_KEYS)).toEqual({});
    expect(checkOptions('SGD', null, SGD_KEYS)).toEqual({});
  });

  it('names the bad key, the key meant and the valid keys', () => {
    const e = caught(() => checkOptions('SGD', { lr: 0.1, weight_decay: 0.5 }, SGD_KEYS));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.name).toBe('UnknownOptionError');
    expect(e.message).toBe(
      "SGD: unknown option 'weight_decay' (did you mean 'weightDecay'?); valid options: lr, momentum, dampening, weightDecay, nesterov",
    );
    expect(e.unknownKeys).toEqual(['weight_decay']);
    expect(e.suggestions).toEqual({ weight_decay: 'weightDecay' });
    expect(e.validKeys).toEqual(SGD_KEYS);
  });

  it('lists every unknown key, with a suggestion where one is known', () => {
    const e = caught(() => checkOptions('SGD', { momentun: 0.9, colour: 'red' }, SGD_KEYS));
    expect(e.message).toMatch(/unknown options 'momentun' \(did you mean 'momentum'\?\), 'colour';/);
    expect(e.unknownKeys).toEqual(['momentun', 'colour']);
  });

  it('knows PyTorch, Keras and NumPy spellings of nn names', () => {
    expect(suggestOption('requires_grad', ['dtype', 'requiresGrad'])).toBe('requiresGrad');
    expect(suggestOption('use_bias', ['bias', 'dtype'])).toBe('bias');
    expect(suggestOption('keepdims', ['dim', 'keepdim'])).toBe('keepdim');
    expect(suggestOption('axis', ['dim', 'keepdim'])).toBe('dim');
    expect(suggestOption('learningRate', ['lr', 'epochs'])).toBe('lr');
    expect(suggestOption('device', ['dtype', 'backend'])).toBe('backend');
    expect(suggestOption('batch_first', ['batchFirst'])).toBe('batchFirst');
    expect(suggestOption('ignore_index', ['ignoreIndex', 'reduction'])).toBe('ignoreIndex');
    expect(suggestOption('BatchSize', ['batchSize'])).toBe('batchSize');
    // Only names the function has are suggested.
    expect(suggestOption('use_bias', ['dtype'])).toBeUndefined();
    expect(suggestOption('colour', SGD_KEYS)).toBeUndefined();
    expect(suggestOption('toString', SGD_KEYS)).toBeUndefined();
  });

  it('a value that is not an options object is a ValueError saying what was given', () => {
    for (const bad of [0.5, 'float32', [1, 2], true, () => 1]) {
      expect(() => checkOptions('SGD', bad as never, SGD_KEYS)).toThrow(ValueError);
      expect(() => checkOptions('SGD', bad as never, SGD_KEYS)).toThrow(
        /SGD: expected an options object \{ lr, momentum, dampening, weightDecay, nesterov \}, got/,
      );
    }
  });

  it('accepts every object of valid keys and rejects every object with one more (property)', () => {
    const keyArb = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !SGD_KEYS.includes(k) && k !== '__proto__');
    fc.assert(
      fc.property(fc.subarray(SGD_KEYS), keyArb, (keys, extra) => {
        const o: Record<string, unknown> = Object.fromEntries(keys.map((k) => [k, 1]));
        expect(checkOptions('SGD', o, SGD_KEYS)).toBe(o);
        o[extra] = 1;
        const e = caught(() => checkOptions('SGD', o, SGD_KEYS));
        expect(e.unknownKeys).toEqual([extra]);
        expect(e.message).toContain(`'${extra}'`);
      }),
    );
  });

  it('optionKeys lists the keys of an options type', () => {
    interface O {
      a?: number;
      b?: string;
    }
    expect(optionKeys<O>({ a: 1, b: 1 })).toEqual(['a', 'b']);
  });
});
