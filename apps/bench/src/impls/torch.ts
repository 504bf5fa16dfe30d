/**
 * torch-cpu: PyTorch on the CPU, through `torch/bench.py` run by a `python3` that can import
 * torch. The harness writes the inputs as raw arrays to a temporary folder and reads one JSON
 * line back; where no such python exists the impl is a skip line, never a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TORCH_IMPL = 'torch-cpu';

/** The env variable naming the python to use (only that one is tried when it is set). */
export const PYTHON_ENV = 'NN_BENCH_PYTHON';

/** Pythons tried in order: the one on PATH, then Debian's (which has python3-torch). */
const CANDIDATES = ['python3', '/usr/bin/python3'];

const SCRIPT = fileURLToPath(new URL('../../torch/bench.py', import.meta.url));

export interface TorchImpl {
  readonly impl: typeof TORCH_IMPL;
  readonly python: string;
  readonly version: string;
  readonly threads: number;
}

function pythons(): string[] {
  const chosen = process.env[PYTHON_ENV];
  return chosen ? [chosen] : CANDIDATES;
}

/** The first python that imports torch, or why there is none (each candidate's own error). */
export function findTorch(candidates: readonly string[] = pythons()): TorchImpl | { reason: string } {
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0 && r.stdout.trim()) {
      return { impl: TORCH_IMPL, python, version: r.stdout.trim(), threads: availableParallelism() };
    }
    const why = r.error
      ? r.error.message
      : (r.stderr.trim().split('\n').pop() ?? `exit code ${r.status}`) || `exit code ${r.status}`;
    tried.push(`${python}: ${why}`);
  }
  return { reason: `no python with torch importable (${tried.join('; ')})` };
}

/** A temporary folder for one run's arrays, removed by `done`. */
export function scratchDir(): { dir: string; write(name: string, a: ArrayBufferView): void; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'nn-bench-torch-'));
  return {
    dir,
    write(name, a) {
      writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    },
    done() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `bench.py <command> --dir dir ...` and returns the JSON object it printed. */
export function runTorch(
  t: TorchImpl,
  command: 'matmul' | 'train',
  dir: string,
  args: Record<string, string | number>,
): Promise<Record<string, unknown>> {
  const argv = [SCRIPT, command, '--dir', dir, '--threads', String(t.threads)];
  for (const [k, v] of Object.entries(args)) argv.push(`--${k}`, String(v));
  return new Promise((resolve, reject) => {
    const child = spawn(t.python, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      if (code !== 0 || !line) {
        const why = err.trim().split('\n').pop() || `exit code ${code}`;
        reject(new Error(`torch/bench.py ${command} failed: ${why}`));
        return;
      }
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}
