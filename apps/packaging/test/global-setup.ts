import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { copySources, installTarballs, type Packed, packAll } from './helpers/packed.js';

declare module 'vitest' {
  export interface ProvidedContext {
    packed: Packed;
  }
}

/** Packs every public package once and installs the tarballs into a fresh project for all test files. */
export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), 'nn-packaging-'));
  const outDir = join(work, 'tarballs');
  mkdirSync(outDir);
  const app = join(work, 'app');
  mkdirSync(app);
  const tarballs = packAll(outDir);
  copySources(app);
  installTarballs(app, tarballs);
  project.provide('packed', { tarballs, app });
  return () => rmSync(work, { recursive: true, force: true });
}
