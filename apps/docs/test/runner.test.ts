import { cpu } from '@nn/backend-cpu';
import { tensor, use } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { formatLog } from '../src/runner/format.js';
import { runSnippet } from '../src/runner/run.js';
import { extractSnippets, parseFenceInfo } from '../src/runner/snippets.js';
import { sameOutput } from './compare.js';

describe('runnable-example syntax', () => {
  it('reads the language and flags of a fence', () => {
    expect(parseFenceInfo('ts run')).toEqual({ lang: 'ts', run: true, output: false });
    expect(parseFenceInfo(' text output ')).toEqual({ lang: 'text', run: false, output: true });
    expect(parseFenceInfo('ts')).toEqual({ lang: 'ts', run: false, output: false });
  });

  it('extracts runnable fences and the output fence right after them', () => {
    const md = [
      '# t',
      '```ts run',
      'console.log(1);',
      '```',
      '',
      '```text output',
      '1',
      '```',
      '```ts',
      'not run',
      '```',
      '````ts run',
      'const s = "```";',
      '````',
      'text between',
      '```text output',
      'not this one',
      '```',
    ].join('\n');
    expect(extractSnippets(md)).toEqual([
      { line: 2, lang: 'ts', code: 'console.log(1);\n', expected: '1\n' },
      { line: 12, lang: 'ts', code: 'const s = "```";\n', expected: null },
    ]);
  });
});

describe('console formatting', () => {
  it('prints values the way Node does for the common cases', () => {
    use(cpu());
    expect(formatLog(['a', 1, -0, [1, 'b'], { k: 2 }, null, undefined])).toBe(
      "a 1 -0 [ 1, 'b' ] { k: 2 } null undefined",
    );
    expect(formatLog([new Float32Array([1, 2.5])])).toBe('Float32Array(2) [ 1, 2.5 ]');
    expect(formatLog([tensor([1, 2])])).toBe('tensor([1., 2.])');
    expect(formatLog([new Int32Array(102)])).toMatch(/\.\.\. 2 more items \]$/);
  });
});

describe('runSnippet', () => {
  it('runs TypeScript with imports from the module table and captures console.log', async () => {
    const r = await runSnippet("import { k } from 'm';\nconst x: number = k + 1;\nconsole.log('x', x);", {
      modules: { m: { k: 41 } },
    });
    expect(r).toMatchObject({ lines: ['x 42'], error: null });
  });

  it('reports what the example threw, and an unknown import', async () => {
    const r = await runSnippet("console.log('before');\nthrow new RangeError('no');", { modules: {} });
    expect(r.lines).toEqual(['before']);
    expect(r.error).toBe('RangeError: no');
    const m = await runSnippet("import { x } from 'fs';\nconsole.log(x);", { modules: { '@nn/tensor': {} } });
    expect(m.error).toMatch(/can import @nn\/tensor; not 'fs'/);
  });

  it('awaits top-level await', async () => {
    const r = await runSnippet('console.log(await Promise.resolve(3));', { modules: {} });
    expect(r.lines).toEqual(['3']);
  });
});

describe('output comparison', () => {
  it('accepts rounding differences in numbers and nothing else', () => {
    expect(sameOutput('tensor([0.3334, 1.])', 'tensor([0.3333, 1.])')).toBeNull();
    expect(sameOutput('tensor([0.4, 1.])', 'tensor([0.3333, 1.])')).toMatch(/number 1 differs/);
    expect(sameOutput('loss 1', 'accuracy 1')).toMatch(/expected/);
  });
});
