/**
 * Runs one runnable example: strips its types and turns its imports into lookups in a module
 * table (sucrase), then runs it as an async function whose `console` records what it prints.
 * The same code runs in the page (the reader's backend) and in the doctest (Node).
 */
import { transform } from 'sucrase';
import { formatLog } from './format.js';

/** Import specifier → module namespace, e.g. `'@nn/tensor'` → the package. */
export type ModuleTable = Readonly<Record<string, object>>;

export interface RunOptions {
  modules: ModuleTable;
  /** Called with each printed line as it is printed. */
  onLine?: (line: string, stream: 'log' | 'error') => void;
}

export interface RunResult {
  /** Everything printed, one entry per console call. */
  lines: string[];
  /** The error that stopped the example, formatted, or null. */
  error: string | null;
  ms: number;
}

/** Example source (TypeScript or JavaScript, ES module syntax) → the body of an async function. */
export function compileSnippet(code: string): string {
  return transform(code, {
    transforms: ['typescript', 'imports'],
    disableESTransforms: true,
    production: true,
  }).code;
}

type AsyncFn = (...args: unknown[]) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...params: string[]
) => AsyncFn;

export async function runSnippet(code: string, options: RunOptions): Promise<RunResult> {
  const lines: string[] = [];
  const emit =
    (stream: 'log' | 'error') =>
    (...args: unknown[]): void => {
      const line = formatLog(args);
      lines.push(line);
      options.onLine?.(line, stream);
    };
  const sandboxConsole = {
    log: emit('log'),
    info: emit('log'),
    debug: emit('log'),
    warn: emit('error'),
    error: emit('error'),
  };
  const require = (spec: string): object => {
    const mod = options.modules[spec];
    if (!mod) {
      throw new Error(
        `runnable examples can import ${Object.keys(options.modules).join(', ')}; not '${spec}'`,
      );
    }
    return mod;
  };
  const start = performance.now();
  try {
    const fn = new AsyncFunction('require', 'console', 'exports', compileSnippet(code));
    await fn(require, sandboxConsole, {});
    return { lines, error: null, ms: performance.now() - start };
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${formatLog([e])}`;
    return { lines, error, ms: performance.now() - start };
  }
}
