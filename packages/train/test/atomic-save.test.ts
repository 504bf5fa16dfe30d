// Saving never destroys the last good file: a child process saves a 10 MB model over and over and
// is killed (SIGKILL) at 50 random moments; after each kill the file loads, whole, as one version.
import { type ChildProcess, spawn } from 'node:child_process';
import { link, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWeights, saveWeights } from '../src/index.js';
import { setup } from './helpers.js';
import { BigModel } from './support/big-model.js';

beforeAll(setup);

const here = dirname(fileURLToPath(import.meta.url));
const KILLS = 50;

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  /** The value of its first save. */
  first: number;
  /** The values the child reported as saved, and when. */
  saved: number[];
  savedAt: number[];
}

/** A saving child that has built its network and waits for a line on stdin to start. */
function startChild(path: string, first: number): Child {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      './support/register-ts.mjs',
      './support/save-loop.ts',
      path,
      String(first),
    ],
    { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const record: Child = { process: child, ready: Promise.resolve(), first, saved: [], savedAt: [] };
  record.ready = new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') resolve();
        else if (line.startsWith('saved ')) {
          record.saved.push(Number(line.slice(6)));
          record.savedAt.push(performance.now());
        }
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`save child exited before it was ready (${code ?? signal})`)),
    );
  });
  // A child killed while still starting (the spare ones at the end) is no failure.
  record.ready.catch(() => {});
  return record;
}

/** Resolves once the child has reported `n` saves. */
async function savesDone(child: Child, n: number): Promise<void> {
  while (child.saved.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Deterministic delays, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The one value every weight of the saved model holds (a torn file would mix two). */
async function savedVersion(path: string): Promise<number> {
  const model = new BigModel();
  try {
    await loadWeights(model, path);
    const seen = new Set<number>();
    for (const p of model.parameters()) for (const v of new Set(p.dataSync())) seen.add(v);
    expect(seen.size, 'every weight of one save holds the same value').toBe(1);
    return [...seen][0];
  } finally {
    for (const p of model.parameters()) p.dispose();
  }
}

describe('atomic saves', () => {
  it(`a child saving a 10 MB model, killed at ${KILLS} random moments, always leaves a file that loads`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nn-atomic-'));
    const path = join(dir, 'model.json');
    const children: Child[] = [];
    const queue: Child[] = [];
    try {
      const initial = new BigModel();
      await saveWeights(initial, path);
      for (const p of initial.parameters()) p.dispose();

      const random = lcg(20261204);
      // Two children start ahead of time, so their start-up overlaps the current one's saving.
      queue.push(startChild(path, 1000), startChild(path, 2000));
      for (let k = 0; k < KILLS; k++) {
        const child = queue.shift() as Child;
        children.push(child);
        queue.push(startChild(path, (k + 3) * 1000));
        await child.ready;
        const exited = new Promise((resolve) => child.process.once('exit', resolve));
        const go = performance.now();
        child.process.stdin?.write('go\n');
        // After its first save the child is on its second: the kill lands at a random moment of
        // it (serialising, writing, flushing, renaming) or just after it. Timing by the child's own
        // pace keeps that true however loaded the machine is.
        await savesDone(child, 1);
        const pace = child.savedAt[0] - go;
        await new Promise((resolve) => setTimeout(resolve, random() * 1.3 * pace));
        child.process.kill('SIGKILL');
        await exited;
        // The file as the kill left it (a hard link keeps it when the next child renames over it).
        await link(path, join(dir, `after-kill-${k}`));
      }
      let old = 0;
      let renewed = 0;
      const checked = new Map<number, number>();
      for (const [k, child] of children.entries()) {
        const snapshot = join(dir, `after-kill-${k}`);
        const { ino } = await stat(snapshot);
        if (!checked.has(ino)) checked.set(ino, await savedVersion(snapshot));
        const v = checked.get(ino) as number;
        // The last save the child reported, or the next one if the kill came between its rename and its report.
        const last = child.saved[child.saved.length - 1];
        expect([last, last + 1], `version after kill ${k}`).toContain(v);
        if (v === child.first) old++;
        else renewed++;
      }
      // Kills landed on both sides of the second save's rename.
      expect(old, 'kills before the second save was in place').toBeGreaterThan(KILLS / 10);
      expect(renewed, 'kills after the second save was in place').toBeGreaterThan(KILLS / 10);
      const other = (await readdir(dir)).filter((f) => f !== 'model.json' && !f.startsWith('after-kill-'));
      // What a kill may leave besides the model: its temporary file, never anything else.
      expect(other.filter((f) => !(f.startsWith('.model.json.') && f.endsWith('.tmp')))).toEqual([]);
    } finally {
      for (const c of [...children, ...queue]) c.process.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
