import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/run.js';
import { publicPackages, ROOT, readJson } from './helpers/workspace.js';

interface Release {
  name: string;
  type: 'major' | 'minor' | 'patch' | 'none';
  oldVersion: string;
  newVersion: string;
}

const cli = join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js');
const work = mkdtempSync(join(tmpdir(), 'nn-changesets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * `changeset status` in a copy of the workspace's manifests and changeset config (a git repository
 * of its own on `main`, so nothing counts as changed) with the given changeset files.
 */
function releasePlan(name: string, changesets: Record<string, string>): Release[] {
  const dir = join(work, name);
  mkdirSync(join(dir, '.changeset'), { recursive: true });
  for (const f of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json'])
    cpSync(join(ROOT, f), join(dir, f));
  for (const group of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(ROOT, group))) {
      mkdirSync(join(dir, group, pkg), { recursive: true });
      cpSync(join(ROOT, group, pkg, 'package.json'), join(dir, group, pkg, 'package.json'));
    }
  }
  for (const [file, text] of Object.entries(changesets)) writeFileSync(join(dir, '.changeset', file), text);
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=nn', '-c', 'user.email=nn@localhost', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'plan');
  const r = run(process.execPath, [cli, 'status', '--output', 'plan.json'], { cwd: dir });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return readJson<{ releases: Release[] }>(join(dir, 'plan.json')).releases.filter((r) => r.type !== 'none');
}

describe('release policy (CONTRIBUTING.md: versions)', () => {
  const published = publicPackages()
    .map((p) => p.manifest.name)
    .sort();

  it('versions every published package in one fixed group, and no private one', () => {
    const config = readJson<{ fixed: string[][] }>(join(ROOT, '.changeset', 'config.json'));
    expect(config.fixed.map((g) => [...g].sort())).toEqual([published]);
  });

  it('a minor of @nn/tensor is a minor of every package, none goes to 1.0.0 for its peer range', () => {
    const plan = releasePlan('tensor-minor', {
      'sample.md': '---\n"@nn/tensor": minor\n---\n\nA sample feature.\n',
    });
    expect(plan.filter((r) => r.type === 'major')).toEqual([]);
    // All public packages move together (a `fixed` group): one version number to match.
    expect(plan.map((r) => r.name).sort()).toEqual(published);
    for (const r of plan) {
      expect(r.type, r.name).toBe('minor');
      const [major, minor] = r.oldVersion.split('.').map(Number);
      expect(r.newVersion, r.name).toBe(`${major}.${minor + 1}.0`);
    }
  });

  it('the changesets waiting in .changeset/ release no major while the packages are 0.x', () => {
    const pending = Object.fromEntries(
      readdirSync(join(ROOT, '.changeset'))
        .filter((f) => f.endsWith('.md') && f !== 'README.md')
        .map((f) => [f, readFileSync(join(ROOT, '.changeset', f), 'utf8')]),
    );
    const plan = releasePlan('pending', pending);
    expect(plan.filter((r) => r.type === 'major').map((r) => r.name)).toEqual([]);
  });
});
