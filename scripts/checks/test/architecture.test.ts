import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { architectureViolations, handWrittenDisposes } from '../architecture.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

it('only @nn/tensor and the backends read backend.fused or wrap kernel storage', () => {
  expect(architectureViolations(root)).toEqual([]);
});

it('names the file and line of a package that does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-arch-'));
  try {
    for (const name of ['optim', 'tensor'])
      mkdirSync(join(dir, 'packages', name, 'src'), { recursive: true });
    mkdirSync(join(dir, 'apps'));
    const code = 'const k = p.backend.fused?.adamStep;\nconst t = fromStorage(b, s, d, shape);\n';
    writeFileSync(join(dir, 'packages/optim/src/adam.ts'), code);
    writeFileSync(join(dir, 'packages/tensor/src/optim.ts'), code);
    expect(architectureViolations(dir)).toEqual([
      'packages/optim/src/adam.ts:1 reads backend.fused (call the tensor-level op of @nn/tensor instead)',
      'packages/optim/src/adam.ts:2 wraps kernel storage with fromStorage (call a tensor-level op instead)',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the ops of @nn/tensor free intermediates with tidy scopes, not hand-written dispose()', () => {
  expect(handWrittenDisposes(root)).toEqual([]);
});

it('names each dispose() of an ops file that has more than it is allowed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-arch-'));
  try {
    mkdirSync(join(dir, 'packages/tensor/src/ops/nn'), { recursive: true });
    writeFileSync(
      join(dir, 'packages/tensor/src/ops/nn/pool.ts'),
      'const y = f(t);\n// t.dispose() in a comment\nt.dispose();\n',
    );
    writeFileSync(join(dir, 'packages/tensor/src/ops/cumulative.ts'), 'prev.dispose();\n');
    writeFileSync(join(dir, 'packages/tensor/src/ops/mask.ts'), 'dispose([a, b]);\n');
    expect(handWrittenDisposes(dir)).toEqual([
      'packages/tensor/src/ops/mask.ts:1 dispose([a, b]);',
      'packages/tensor/src/ops/nn/pool.ts:3 t.dispose();',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
