/**
 * nn's backends as bench impls. Each backend package is loaded when present and built; a missing
 * one becomes a skip note, never a crash.
 */
import { availableParallelism } from 'node:os';
import { type Backend, getBackend, listBackends, registerBackend, setBackend } from '@nn/tensor';
import type { Options } from '../cli.js';
import { wanted } from '../cli.js';
import { note, type Skip } from '../report.js';
import { ensureWebGPU } from './gpu.js';
import { fnExport, importOptional } from './optional.js';

export interface NnImpl {
  /** Name in the output: nn-cpu, nn-wasm, nn-wasm-1t, nn-webgpu. */
  readonly impl: string;
  /** Registered backend name. */
  readonly backend: string;
  /** Makes this impl current (threads, current backend); call before each use. */
  activate(): void;
}

export interface NnImpls {
  readonly impls: NnImpl[];
  readonly skips: Skip[];
}

let autogradReady: Promise<string | null> | undefined;

/** Installs @nn/autograd once; null when ready, else why not. */
export function ensureAutograd(): Promise<string | null> {
  autogradReady ??= (async () => {
    const spec = '@nn/autograd';
    const r = fnExport<() => void>(await importOptional(spec), 'installAutograd', spec);
    if ('reason' in r) return r.reason;
    r.fn();
    return null;
  })();
  return autogradReady;
}

function register(b: Backend): string {
  if (!listBackends().includes(b.name)) registerBackend(b);
  return b.name;
}

function simple(impl: string, backend: string): NnImpl {
  return { impl, backend, activate: () => setBackend(backend) };
}

async function loadCpu(out: NnImpls): Promise<void> {
  const spec = '@nn/backend-cpu';
  const r = fnExport<() => Backend>(await importOptional(spec), 'cpu', spec);
  if ('reason' in r) {
    out.skips.push({ impl: 'nn-cpu', reason: r.reason });
    return;
  }
  out.impls.push(simple('nn-cpu', register(r.fn())));
}

type WasmFactory = (opts?: {
  threads?: number;
  relaxedSimd?: boolean;
  name?: string;
}) => Promise<Backend> | Backend;

/**
 * One wasm backend and its impls at all cores and at one thread. `relaxed` asks for the
 * relaxed-SIMD kernels (fused multiply-add; the backend switches Node 20's V8 flag on, and falls
 * back to the baseline kernels where the engine has none); otherwise the baseline SIMD kernels.
 */
async function loadWasmVariant(
  options: Options,
  out: NnImpls,
  variant: { all: string; one: string; relaxed: boolean; name: string },
): Promise<void> {
  const names = [variant.all, variant.one].filter((n) => wanted(options, n));
  if (names.length === 0) return;
  const spec = '@nn/backend-wasm';
  const loaded = await importOptional(spec);
  const r = fnExport<WasmFactory>(loaded, 'wasm', spec);
  if ('reason' in r) {
    for (const impl of names) out.skips.push({ impl, reason: r.reason });
    return;
  }
  const cores = availableParallelism();
  let backend: Backend;
  try {
    backend = await r.fn({ threads: cores, relaxedSimd: variant.relaxed, name: variant.name });
  } catch (e) {
    for (const impl of names)
      out.skips.push({ impl, reason: `wasm() failed: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  const relaxed = (backend as unknown as { relaxedSimd?: unknown }).relaxedSimd;
  if (typeof relaxed === 'boolean') {
    note(
      `${names.join(', ')}: ${relaxed ? 'relaxed-SIMD kernels (fused multiply-add)' : 'baseline SIMD kernels'}`,
    );
  }
  const name = register(backend);
  // setThreads may be a module function or a method of the backend.
  const modSet = loaded.ok ? loaded.mod.setThreads : undefined;
  const objSet = (backend as unknown as { setThreads?: unknown }).setThreads;
  const setThreads =
    typeof modSet === 'function'
      ? (n: number) => (modSet as (n: number) => void)(n)
      : typeof objSet === 'function'
        ? (n: number) => (objSet as (n: number) => void).call(backend, n)
        : undefined;
  const withThreads = (impl: string, n: number): NnImpl => ({
    impl,
    backend: name,
    activate: () => {
      setBackend(name);
      setThreads?.(n);
    },
  });
  if (names.includes(variant.all)) out.impls.push(withThreads(variant.all, cores));
  if (names.includes(variant.one)) {
    if (setThreads) out.impls.push(withThreads(variant.one, 1));
    else out.skips.push({ impl: variant.one, reason: `${spec} exports no setThreads()` });
  }
}

/** nn-wasm(-1t): the kernels users get (relaxed SIMD where the engine has it); nn-wasm-baseline(-1t): the fallback. */
async function loadWasm(options: Options, out: NnImpls): Promise<void> {
  await loadWasmVariant(options, out, { all: 'nn-wasm', one: 'nn-wasm-1t', relaxed: true, name: 'wasm' });
  await loadWasmVariant(options, out, {
    all: 'nn-wasm-baseline',
    one: 'nn-wasm-baseline-1t',
    relaxed: false,
    name: 'wasm-baseline',
  });
}

async function loadWebgpu(out: NnImpls): Promise<void> {
  const spec = '@nn/backend-webgpu';
  const loaded = await importOptional(spec);
  const r = fnExport<() => Promise<Backend> | Backend>(loaded, 'webgpu', spec);
  if ('reason' in r) {
    out.skips.push({ impl: 'nn-webgpu', reason: r.reason });
    return;
  }
  const noGpu = await ensureWebGPU();
  if (noGpu) {
    out.skips.push({ impl: 'nn-webgpu', reason: noGpu });
    return;
  }
  try {
    out.impls.push(simple('nn-webgpu', register(await r.fn())));
  } catch (e) {
    out.skips.push({
      impl: 'nn-webgpu',
      reason: `webgpu() failed: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}

/** Every nn backend asked for and present, in the order cpu, wasm (all threads, 1 thread), webgpu. */
export async function loadNn(options: Options): Promise<NnImpls> {
  const out: NnImpls = { impls: [], skips: [] };
  if (wanted(options, 'nn-cpu')) await loadCpu(out);
  await loadWasm(options, out);
  if (wanted(options, 'nn-webgpu')) await loadWebgpu(out);
  return out;
}

/** Waits for queued work on a backend (webgpu); immediate elsewhere. */
export async function syncBackend(name: string): Promise<void> {
  await getBackend(name).sync?.();
}
