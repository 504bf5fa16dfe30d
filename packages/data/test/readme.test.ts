import { beforeAll, expect, it } from 'vitest';
import { loadNames } from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

// The README's names example, kept runnable.
it('README: names, their split and the vocabulary', async () => {
  const { train, validation, vocabulary } = await loadNames({ seed: 0 });
  expect([train.length, validation.length]).toEqual([7580, 842]);
  expect(vocabulary.tokens.join('')).toBe('.-abcdefghijklmnopqrstuvwxyz');
  expect([...vocabulary.encode('emma')]).toEqual([6, 14, 14, 2]);
  const { x, y } = vocabulary.sequences(['emma'], 16);
  expect(x.shape).toEqual([1, 16]);
  expect(vocabulary.decode(await x.data()).length).toBe(0); // x starts with the boundary token
  expect([...(await x.data())].slice(0, 6)).toEqual([0, 6, 14, 14, 2, 0]);
  expect([...(await y.data())].slice(0, 6)).toEqual([6, 14, 14, 2, 0, -100]);
  x.dispose();
  y.dispose();
});
