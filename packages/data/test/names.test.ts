import { PlatformError, ValueError } from '@nn/tensor';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharVocabulary, IGNORE_INDEX, loadNames, NAMES_SIZE, splitNames } from '../src/index.js';
import { importNameLists as browserLists } from '../src/web/name-lists.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('loadNames', () => {
  it('gives 8,422 distinct lower-cased names over a-z and -, every 10th of the sorted list for validation', async () => {
    const { train, validation, vocabulary } = await loadNames({ shuffle: false });
    expect(train.length + validation.length).toBe(NAMES_SIZE);
    expect([train.length, validation.length]).toEqual([7580, 842]);
    const all = [...train, ...validation].sort();
    expect(new Set(all).size).toBe(NAMES_SIZE);
    expect([...new Set(all.join(''))].sort().join('')).toBe('-abcdefghijklmnopqrstuvwxyz');
    expect(vocabulary.tokens.join('')).toBe('.-abcdefghijklmnopqrstuvwxyz');
    expect(vocabulary.size).toBe(28);
    // Unshuffled, both splits are sorted and interleave as index % 10 === 9 says.
    expect(validation[0]).toBe(all[9]);
    expect(validation[841]).toBe(all[8419]);
    expect(train.slice(0, 10)).toEqual([...all.slice(0, 9), all[10]]);
    expect(Math.max(...all.map((n) => n.length))).toBe(15);
    expect(all).toContain('anne-marie');
  });

  it('orders each split by a seeded shuffle that never moves a name across the split', async () => {
    const sorted = await loadNames({ shuffle: false });
    const a = await loadNames({ seed: 3 });
    const again = await loadNames({ seed: 3 });
    const other = await loadNames({ seed: 4 });
    expect(again.train).toEqual(a.train);
    expect(again.validation).toEqual(a.validation);
    expect(other.train).not.toEqual(a.train);
    expect([...a.train].sort()).toEqual(sorted.train);
    expect([...other.validation].sort()).toEqual(sorted.validation);
    expect(a.train).not.toEqual(sorted.train);
    expect((await loadNames()).train).toEqual((await loadNames({ seed: 0 })).train);
  });

  it('rejects a bad seed or shuffle flag', async () => {
    await expect(loadNames({ seed: -1 })).rejects.toThrow(ValueError);
    await expect(loadNames({ seed: 1.5 })).rejects.toThrow(
      'loadNames: seed must be a non-negative integer, got 1.5',
    );
    await expect(loadNames({ shuffle: 'yes' as unknown as boolean })).rejects.toThrow(
      'loadNames: shuffle must be true or false, got yes',
    );
  });

  it('in a browser build, says that it reads the packages in Node only and what to do instead', async () => {
    await expect(browserLists()).rejects.toThrow(PlatformError);
    await expect(browserLists()).rejects.toThrow(/Node\.js only; in a browser, .* splitNames\(list\)/);
  });
});

describe('splitNames', () => {
  it('lower-cases, de-duplicates and sorts before taking every 10th name', () => {
    const raw = [
      'Bob',
      'bob',
      'Al',
      ...Array.from({ length: 20 }, (_, i) => `N${String(i).padStart(2, '0')}`),
    ];
    const { train, validation } = splitNames(raw);
    expect(train.length + validation.length).toBe(22);
    expect(validation).toEqual(['n07', 'n17']); // sorted: al, bob, n00, ..., n19
    expect(train.slice(0, 3)).toEqual(['al', 'bob', 'n00']);
  });

  it('splits any list into disjoint parts with one name in ten held out', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 60 }), (names) => {
        const { train, validation } = splitNames(names);
        const distinct = new Set(names.map((n) => n.toLowerCase()));
        expect(train.length + validation.length).toBe(distinct.size);
        expect(validation.length).toBe(Math.floor(distinct.size / 10));
        expect(new Set([...train, ...validation]).size).toBe(distinct.size);
      }),
    );
  });

  it('rejects empty names', () => {
    expect(() => splitNames(['ann', ''])).toThrow(ValueError);
    expect(() => splitNames(['ann', ''])).toThrow('splitNames: names must be non-empty strings, got ""');
  });
});

describe('CharVocabulary', () => {
  const vocab = CharVocabulary.fromTexts(['emma', 'ann-marie']);

  it('puts the boundary token at id 0 and the sorted characters after it', () => {
    expect(vocab.tokens.join('')).toBe('.-aeimnr');
    expect(vocab.id('.')).toBe(0);
    expect([...vocab.encode('emma')]).toEqual([3, 5, 5, 2]);
    expect(vocab.decode([3, 5, 5, 2])).toBe('emma');
    expect(vocab.decode([3, 5, 0, 2])).toBe('em'); // stops at the end token
  });

  it('round-trips every text over its characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('-', 'a', 'e', 'i', 'm', 'n', 'r'), maxLength: 20 }),
        (s) => {
          expect(vocab.decode(vocab.encode(s))).toBe(s);
        },
      ),
    );
  });

  it('lays out next-character rows: input .name then padding, target name. then ignored', async () => {
    const s = vocab.sequenceArrays(['emma', 'an'], 6);
    expect(s.n).toBe(2);
    const I = IGNORE_INDEX;
    expect([...s.x]).toEqual([0, 3, 5, 5, 2, 0, 0, 2, 6, 0, 0, 0]);
    expect([...s.y]).toEqual([3, 5, 5, 2, 0, I, 2, 6, 0, I, I, I]);
    const t = vocab.sequences(['emma', 'an'], 6);
    expect(t.x.shape).toEqual([2, 6]);
    expect(t.y.dtype).toBe('int32');
    expect([...(await t.y.data())]).toEqual([...s.y]);
    t.x.dispose();
    t.y.dispose();
  });

  it('rejects unknown characters, texts longer than the context and bad vocabularies', () => {
    expect(() => vocab.encode('emmy')).toThrow(ValueError);
    expect(() => vocab.encode('emmy')).toThrow("CharVocabulary: 'y' is not in the vocabulary '.-aeimnr'");
    expect(() => vocab.sequenceArrays(['emma'], 4)).toThrow(
      "CharVocabulary.sequences: 'emma' has 4 characters; context 4 holds at most 3 plus the end token",
    );
    expect(() => vocab.sequenceArrays(['emma'], 0)).toThrow('context must be a positive integer, got 0');
    expect(() => vocab.decode([99])).toThrow('CharVocabulary: token id 99 is outside 0..7');
    expect(() => new CharVocabulary(['a', 'a'])).toThrow("CharVocabulary: 'a' is listed twice");
    expect(() => new CharVocabulary(['a', '.'])).toThrow(
      "'.' is the boundary token and cannot also be a character",
    );
    expect(() => new CharVocabulary(['ab'])).toThrow("tokens must be single characters, got 'ab'");
    expect(() => new CharVocabulary(['a'], { boundary: '' })).toThrow('boundary must be one character');
  });
});
