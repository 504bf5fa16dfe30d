import { join } from 'node:path';
import * as backendCpu from '@nn/backend-cpu';
import { expect, it } from 'vitest';
import { readExamples, runExample } from '../../../readme-examples.js';
import * as tensorModule from '../src/index.js';

const modules = {
  '@nn/backend-cpu': backendCpu as unknown as Record<string, unknown>,
  '@nn/tensor': tensorModule as unknown as Record<string, unknown>,
};
const examples = readExamples(join(import.meta.dirname, '../README.md'));

it('the README has its example of the sorting, scan and mask ops', () => {
  expect(examples.map((e) => e.name)).toContain('attention-ops');
});

for (const ex of examples) {
  it(`README example '${ex.name}' runs and prints what it says`, async () => {
    for (const { got, want } of await runExample(ex, modules)) expect(got).toBe(want);
  });
}
