import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { benchMatmul } from '../src/benches/matmul.js';
import { checkMatmul } from '../src/benches/matmul-check.js';
import { parseArgs } from '../src/cli.js';
import { findTorch, PYTHON_ENV, runTorch, scratchDir } from '../src/impls/torch.js';
import { setJsonOnly } from '../src/report.js';
import { uniformArray } from '../src/rng.js';

// A "python" that has no torch: what a machine without PyTorch looks like to the harness.
const fakeDir = mkdtempSync(join(tmpdir(), 'nn-bench-fake-python-'));
const fakePython = join(fakeDir, 'python3');
writeFileSync(fakePython, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'torch\'" >&2\nexit 1\n');
chmodSync(fakePython, 0o755);
afterAll(() => rmSync(fakeDir, { recursive: true, force: true }));

const torch = findTorch();

describe('torch-cpu', () => {
  it('says why there is no torch, naming each python tried', () => {
    const r = findTorch([fakePython, join(fakeDir, 'missing')]);
    expect('reason' in r && r.reason).toBe(
      `no python with torch importable (${fakePython}: ModuleNotFoundError: No module named 'torch'; ${join(fakeDir, 'missing')}: spawnSync ${join(fakeDir, 'missing')} ENOENT)`,
    );
  });

  it('without torch the bench prints a skip line for torch-cpu and succeeds', async () => {
    const before = process.env[PYTHON_ENV];
    process.env[PYTHON_ENV] = fakePython;
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      lines.push(a.join(' '));
    });
    try {
      setJsonOnly(true);
      const { options } = parseArgs(['matmul', '--impl', 'torch-cpu', '--sizes', '16', '--json']);
      expect(await benchMatmul(options)).toBe(true);
    } finally {
      setJsonOnly(false);
      log.mockRestore();
      if (before === undefined) delete process.env[PYTHON_ENV];
      else process.env[PYTHON_ENV] = before;
    }
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        bench: 'matmul',
        impl: 'torch-cpu',
        skipped: expect.stringContaining("No module named 'torch'"),
      },
    ]);
  });

  it.skipIf('reason' in torch)(
    "where torch imports, bench.py multiplies the harness's inputs correctly and reports its samples",
    async () => {
      if ('reason' in torch) return;
      const n = 24;
      const a = uniformArray(n * n, 1);
      const b = uniformArray(n * n, 2);
      const s = scratchDir();
      try {
        s.write('a.f32', a);
        s.write('b.f32', b);
        const r = await runTorch(torch, 'matmul', s.dir, { n, warmup: 0, samples: 2 });
        const c = readFileSync(join(s.dir, 'c.f32'));
        checkMatmul(a, b, new Float32Array(c.buffer, c.byteOffset, c.byteLength / 4), n, 'torch');
        expect((r.ms as number[]).length).toBe(2);
        expect(r.reps).toBeGreaterThanOrEqual(1);
        expect(r.threads).toBe(torch.threads);
      } finally {
        s.done();
      }
    },
    300_000,
  );
});
