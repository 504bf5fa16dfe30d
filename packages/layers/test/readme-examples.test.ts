import { join } from 'node:path';
import * as backendCpu from '@nn/backend-cpu';
import * as tensorModule from '@nn/tensor';
import { expect, it } from 'vitest';
import { readExamples, runExample } from '../../../readme-examples.js';
import * as layers from '../src/index.js';

const modules = {
  '@nn/backend-cpu': backendCpu as unknown as Record<string, unknown>,
  '@nn/tensor': tensorModule as unknown as Record<string, unknown>,
  '@nn/layers': layers as unknown as Record<string, unknown>,
};
const examples = readExamples(join(import.meta.dirname, '../README.md'));

it('the README has its layer examples', () => {
  expect(examples.map((e) => e.name)).toEqual(
    expect.arrayContaining([
      'attention',
      'transformer',
      'decoder',
      'conv-transpose',
      'upsample',
      'group-norm',
    ]),
  );
});

for (const ex of examples) {
  it(`README example '${ex.name}' runs and prints what it says`, async () => {
    for (const { got, want } of await runExample(ex, modules)) expect(got).toBe(want);
  });
}
