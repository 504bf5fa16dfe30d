import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, readJson } from './workspace.js';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without a shell; never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The same, asynchronously: lets independent checks (tsc runs, node processes) overlap. */
export function runAsync(cmd: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/**
 * pnpm as the repository pins it: the one on PATH when its version matches, else through npx (as
 * scripts/run.mjs does on a machine with only Node.js and npm).
 */
export function pnpmCommand(): [string, string[]] {
  const version = readJson<{ packageManager: string }>(join(ROOT, 'package.json')).packageManager.split(
    '@',
  )[1];
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === version) return ['pnpm', []];
  return ['npx', ['-y', `pnpm@${version}`]];
}
