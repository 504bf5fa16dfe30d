/**
 * Runnable examples in the page: one run at a time (the current backend is global), on the
 * backend the reader picked, reporting the tensors the example left alive.
 */
import { memory } from '@nn/tensor';
import { activateBackend, type BackendName } from './backends.js';
import { loadModules } from './modules.js';
import { type ModuleTable, type RunResult, runSnippet } from './run.js';

export interface PageRunResult extends RunResult {
  backend: BackendName;
  /** Tensors alive after the run minus before it. */
  liveTensors: number;
}

let modules: Promise<ModuleTable> | undefined;
let queue: Promise<unknown> = Promise.resolve();

export function runInPage(
  code: string,
  backend: BackendName,
  onLine: (line: string, stream: 'log' | 'error') => void,
): Promise<PageRunResult> {
  const job = queue.then(async (): Promise<PageRunResult> => {
    modules ??= loadModules();
    const table = await modules;
    try {
      await activateBackend(backend);
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { lines: [], error, ms: 0, backend, liveTensors: 0 };
    }
    const before = memory().numTensors;
    const result = await runSnippet(code, { modules: table, onLine });
    return { ...result, backend, liveTensors: memory().numTensors - before };
  });
  queue = job.catch(() => undefined);
  return job;
}
