// Module hooks that let a plain `node` child process run the workspace's TypeScript sources (with
// `--conditions=source`), so a test's child runs the code under test, never a stale dist build.
// Each file is transpiled alone (no type check), as vitest does; outputs are cached on disk by
// path and modification time (NN_TS_CACHE), so the children after the first start fast.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cacheDir = process.env.NN_TS_CACHE || join(tmpdir(), 'nn-ts-cache');
let ts;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    // Sources import './x.js' for what is './x.ts' on disk.
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return next(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw e;
  }
}

async function transpile(fileName) {
  const { mtimeMs, size } = await stat(fileName);
  const key = createHash('sha1').update(`${fileName}:${mtimeMs}:${size}`).digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  try {
    return await readFile(cached, 'utf8');
  } catch {
    ts ??= (await import('typescript')).default;
    const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
      fileName,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await mkdir(cacheDir, { recursive: true });
    // Children start together: each writes its own file and renames it, so none reads a half-written one.
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, outputText);
    await rename(tmp, cached);
    return outputText;
  }
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  return { format: 'module', source: await transpile(fileURLToPath(url)), shortCircuit: true };
}
