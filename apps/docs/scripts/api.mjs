#!/usr/bin/env node
// Generates the API reference (site/api/, git-ignored) from the TSDoc of every public package
// with TypeDoc + typedoc-plugin-markdown + typedoc-vitepress-theme, then checks the comments:
// every exported symbol needs a doc comment, and the main entry points an @example. A missing
// one fails the build (exit 1) and is listed.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, ReflectionKind } from 'typedoc';
import { MAIN_ENTRY_POINTS } from './api-entry-points.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const root = join(app, '..', '..');
const out = join(app, 'site', 'api');

/** Public packages: every packages/* without `private`, except @nn/all (it only re-exports). */
export function publicPackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .map((name) => ({ name, pkg: JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private && pkg.name !== '@nn/all')
    .map(({ name, pkg }) => ({
      dir: join(dir, name),
      name: pkg.name,
      entry: join(dir, name, 'src', 'index.ts'),
    }));
}

const packages = publicPackages();
rmSync(out, { recursive: true, force: true });

const td = await Application.bootstrapWithPlugins({
  entryPoints: packages.map((p) => p.entry),
  entryPointStrategy: 'resolve',
  tsconfig: join(app, 'tsconfig.api.json'),
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
  out,
  docsRoot: join(app, 'site'),
  name: 'nn',
  readme: 'none',
  entryFileName: 'index',
  // One page per package: a page per symbol made 458 pages, each carrying the whole sidebar.
  outputFileStrategy: 'modules',
  hidePageHeader: true,
  useCodeBlocks: true,
  expandObjects: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  disableSources: true,
  // Our own check below decides what must be documented; TypeDoc's would list every member.
  validation: { notExported: false, invalidLink: true, notDocumented: false },
  logLevel: 'Warn',
  sidebar: { pretty: true },
});

const project = await td.convert();
if (!project) {
  console.error('api: TypeDoc could not convert the packages');
  process.exit(1);
}

// Entry points become modules named after their path; name them after their package instead.
for (const mod of project.children ?? []) {
  const pkg = packages.find((p) => mod.name === `${basename(p.dir)}/src`);
  if (pkg) mod.name = pkg.name;
}

const problems = checkComments(project);
await td.generateOutputs(project);
fixAnchors(out);

const members = memberCoverage(project);
console.log(
  `api: ${project.children?.length ?? 0} packages, ${countExports(project)} exports documented; ` +
    `members with a doc comment: ${members.documented}/${members.total}`,
);
if (problems.length) {
  console.error(`api: ${problems.length} problem(s) in the doc comments:`);
  for (const p of problems) console.error(`  ${p}`);
  if (process.env.NN_DOCS_ALLOW_UNDOCUMENTED !== '1') process.exit(1);
}

/** The comment that documents a reflection: its own, or its first signature's. */
function commentOf(r) {
  if (r.comment?.summary?.length || r.comment?.blockTags?.length) return r.comment;
  for (const s of [...(r.signatures ?? []), r.getSignature, r.setSignature].filter(Boolean)) {
    if (s.comment?.summary?.length || s.comment?.blockTags?.length) return s.comment;
  }
  // `export * as init` and re-exported namespaces carry their comment on the module file.
  return undefined;
}

function hasExample(r) {
  const tags = [
    ...(r.comment?.blockTags ?? []),
    ...(r.signatures ?? []).flatMap((s) => s.comment?.blockTags ?? []),
  ];
  return tags.some((t) => t.tag === '@example');
}

function exportsOf(mod) {
  const out = [];
  for (const c of mod.children ?? []) {
    out.push(c);
    if (c.kind === ReflectionKind.Namespace) for (const n of c.children ?? []) out.push(n);
  }
  return out;
}

function countExports(p) {
  return (p.children ?? []).reduce((n, m) => n + exportsOf(m).length, 0);
}

function checkComments(p) {
  const problems = [];
  for (const mod of p.children ?? []) {
    for (const r of exportsOf(mod)) {
      // `export { a as b }` is a reference to `a`, which is checked itself.
      if (r.kind === ReflectionKind.Reference) continue;
      if (!commentOf(r)) problems.push(`${mod.name}: export ${r.getFullName()} has no doc comment`);
    }
    for (const name of MAIN_ENTRY_POINTS[mod.name] ?? []) {
      const r = mod.getChildByName(name);
      if (!r) problems.push(`${mod.name}: main entry point ${name} is not exported`);
      else if (!hasExample(r)) problems.push(`${mod.name}: main entry point ${name} has no @example`);
    }
  }
  for (const name of Object.keys(MAIN_ENTRY_POINTS)) {
    if (!(p.children ?? []).some((m) => m.name === name)) problems.push(`${name}: package not documented`);
  }
  return problems;
}

/** Methods, properties and accessors declared (not inherited) by exported classes and interfaces. */
function memberCoverage(p) {
  let total = 0;
  let documented = 0;
  for (const mod of p.children ?? []) {
    for (const r of exportsOf(mod)) {
      if (!r.kindOf(ReflectionKind.ClassOrInterface)) continue;
      for (const m of r.children ?? []) {
        if (m.inheritedFrom || m.flags.isPrivate || m.kind === ReflectionKind.Constructor) continue;
        total++;
        if (commentOf(m)) documented++;
      }
    }
  }
  return { total, documented };
}

/** VitePress's heading slug (@mdit-vue/shared), so anchors can be checked before rendering. */
function slugify(text) {
  return [...text]
    .filter((c) => c.charCodeAt(0) > 0x1f)
    .join('')
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();
}

/**
 * typedoc-plugin-markdown sometimes links `#name-1` where the page has a single `name` heading
 * (it numbers a name it saw twice among the reflections); point such links at the heading that
 * exists, so every anchor resolves (the site's link check verifies them all).
 */
function fixAnchors(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.md')) continue;
    const file = join(e.parentPath ?? e.path, e.name);
    const text = readFileSync(file, 'utf8');
    const anchors = new Set([...text.matchAll(/<a id="([^"]+)"/g)].map((m) => m[1]));
    const seen = new Map();
    for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
      const base = slugify(m[1].replace(/`/g, ''));
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n ? `${base}-${n}` : base);
    }
    const fixed = text.replace(/\]\(#([^)]+)\)/g, (all, anchor) => {
      if (anchors.has(anchor)) return all;
      const base = anchor.replace(/-\d+$/, '');
      return anchors.has(base) ? `](#${base})` : all;
    });
    if (fixed !== text) writeFileSync(file, fixed);
  }
}
