import { PlatformError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { readText, writeText } from '../src/web/files.js';

// What bundlers resolve for @nn/train (no `node` condition): no node:fs import, and save/load by
// path say what to use in a browser instead.
describe('save and load by path in a browser build', () => {
  it('throw a PlatformError that names the path and the JSON way', async () => {
    await expect(writeText('m.json', '{}')).rejects.toThrow(PlatformError);
    await expect(writeText('m.json', '{}')).rejects.toThrow(
      "save('m.json'): file paths need the file system of Node.js; this build of @nn/train was resolved for a browser. Use toJSON()",
    );
    await expect(readText('m.json')).rejects.toThrow(PlatformError);
    await expect(readText('m.json')).rejects.toThrow(
      /^load\('m\.json'\): .* Use NeuralNetwork\.fromJSON\(\)/,
    );
  });
});
