/** Runs the code examples of a package README as tests (used by the packages' readme-examples tests). */
import { readFileSync } from 'node:fs';

/** One example of a README: the code block after `<!-- example: name -->`. */
export interface Example {
  name: string;
  code: string;
}

/** The marked ```ts blocks of a markdown file. */
export function readExamples(path: string): Example[] {
  const text = readFileSync(path, 'utf8');
  const out: Example[] = [];
  const re = /<!-- example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ name: m[1], code: m[2] });
  return out;
}

/** A printed value as the README writes it after `// ->`: strings as they are, the rest as JSON. */
function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>;

/**
 * Runs an example (plain JavaScript apart from its imports, which are served from `modules`) and
 * returns each `console.log(value); // -> expected` line's printed value next to what the README
 * says it prints.
 */
export async function runExample(
  ex: Example,
  modules: Record<string, Record<string, unknown>>,
): Promise<{ got: string; want: string }[]> {
  const scope: Record<string, unknown> = {};
  const importRe = /import\s*\{([^}]*)\}\s*from\s*'([^']+)';?/g;
  for (let m = importRe.exec(ex.code); m; m = importRe.exec(ex.code)) {
    const mod = modules[m[2]];
    if (!mod) throw new Error(`example ${ex.name}: no module '${m[2]}' to import from`);
    for (const raw of m[1].split(',')) {
      const name = raw.trim();
      if (!name) continue;
      if (!(name in mod)) throw new Error(`example ${ex.name}: '${m[2]}' has no export '${name}'`);
      scope[name] = mod[name];
    }
  }
  const checks: { got: string; want: string }[] = [];
  const wants: string[] = [];
  const body = ex.code
    .replace(importRe, '')
    .replace(/console\.log\((.*)\);\s*\/\/ -> (.*)$/gm, (_, expr, want) => {
      wants.push(want.trim());
      return `__log(${wants.length - 1}, ${expr});`;
    });
  const log = (i: number, v: unknown): void => {
    checks.push({ got: show(v), want: wants[i] });
  };
  const names = Object.keys(scope);
  await new AsyncFunction('__log', ...names, body)(log, ...names.map((n) => scope[n]));
  if (checks.length !== wants.length)
    throw new Error(`example ${ex.name}: only ${checks.length} of ${wants.length} prints ran`);
  return checks;
}
