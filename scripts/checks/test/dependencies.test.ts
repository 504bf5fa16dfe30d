import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { dependencyViolations, importsOf, packageOf } from '../dependencies.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

it('every import of every package and app is declared, and module state is single', () => {
  expect(dependencyViolations(root)).toEqual([]);
});

it('reads imports, not comments or code written into strings', () => {
  const text = [
    "import { a } from 'left';",
    'import {',
    '  b,',
    "} from '@scope/right/sub';",
    "export * from './local.js';",
    "import 'side-effect';",
    "const m = await import('dynamic');",
    "/** @example import { x } from 'in-a-comment'; */",
    "// import { y } from 'line-comment';",
    "const code = `import { z } from 'in-a-template';`;",
    "import { readFile } from 'node:fs/promises';",
  ].join('\n');
  expect(importsOf(text).sort()).toEqual(
    ['./local.js', '@scope/right/sub', 'dynamic', 'left', 'node:fs/promises', 'side-effect'].sort(),
  );
  expect(
    ['@scope/right/sub', 'left/x', './a', '#platform/fs', 'node:fs', 'fs', 'virtual:x'].map(packageOf),
  ).toEqual(['@scope/right', 'left', null, null, null, null, null]);
});

it('names the file, the package and the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-deps-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  try {
    write('package.json', JSON.stringify({ private: true, devDependencies: { '@nn/base': 'workspace:*' } }));
    write(
      'packages/base/package.json',
      JSON.stringify({ name: '@nn/base', devDependencies: { '@nn/top': 'workspace:*' } }),
    );
    write(
      'packages/top/package.json',
      JSON.stringify({
        name: '@nn/top',
        dependencies: { '@nn/autograd': '^0.1.0' },
        peerDependencies: { '@nn/base': '*' },
        devDependencies: { kit: '1.0.0' },
      }),
    );
    write(
      'packages/top/src/index.ts',
      "import { k } from 'kit';\nimport { m } from 'missing';\nimport { t } from '@nn/top';\n",
    );
    write('packages/top/test/a.test.ts', "import { v } from 'vitest';\nimport { b } from '@nn/base';\n");
    // @nn/base's tests use @nn/top, which depends on @nn/base: declared at the root, not a cycle.
    write('packages/base/test/b.test.ts', "import { x } from 'fc';\n");
    write('packages/top/app/package.json', '{}');
    write('packages/top/app/main.js', "import { q } from 'installed-on-its-own';\n");
    expect(dependencyViolations(dir)).toEqual([
      'packages/base/test/b.test.ts imports fc, which @nn/base does not declare: declare it as a devDependency',
      'packages/top/package.json: @nn/autograd is a dependency; make it a peerDependency (its module state must be single)',
      'packages/top/src/index.ts imports kit, which @nn/top does not declare: it is only a devDependency; make it a dependency or peerDependency',
      'packages/top/src/index.ts imports missing, which @nn/top does not declare: declare it as a dependency or peerDependency',
      'packages/top/test/a.test.ts imports vitest, which @nn/top does not declare: declare it as a devDependency',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
