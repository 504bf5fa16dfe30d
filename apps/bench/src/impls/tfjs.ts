/**
 * TensorFlow.js peers in the same process: tfjs-cpu, tfjs-wasm (single-threaded in Node: its
 * threads are off there) and tfjs-webgpu (Dawn, when an adapter exists).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Options } from '../cli.js';
import { wanted } from '../cli.js';
import type { Skip } from '../report.js';
import { reason } from '../timing.js';
import { ensureWebGPU } from './gpu.js';

export type Tf = typeof TfCore;

export interface TfjsImpl {
  /** tfjs-cpu, tfjs-wasm, tfjs-webgpu. */
  readonly impl: string;
  readonly tf: Tf;
  /** Makes this backend tfjs's current one. */
  activate(): Promise<void>;
}

export interface TfjsImpls {
  readonly impls: TfjsImpl[];
  readonly skips: Skip[];
}

const KINDS = ['cpu', 'wasm', 'webgpu'] as const;
type Kind = (typeof KINDS)[number];

let tfPromise: Promise<Tf> | undefined;

/** tfjs-core with its gradients, loaded once, in production mode (no per-op debug checks). */
function loadTfCore(): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    // tfjs-core alone registers no gradients; its layers bundle registers them all, as the
    // umbrella @tensorflow/tfjs package does for its users.
    await import('@tensorflow/tfjs-layers');
    // The hint tells Node users to install tfjs-node; we compare against the pure-JS backends on purpose.
    tf.env().set('PROD', true);
    return tf;
  })();
  return tfPromise;
}

async function withQuietConsole<T>(fn: () => Promise<T>): Promise<T> {
  const { log, warn } = console;
  const quiet = (...args: unknown[]): void => {
    const first = String(args[0] ?? '');
    if (first.includes('tfjs-node') || first.includes('Hi there')) return;
    warn(...args);
  };
  console.log = (...args: unknown[]) =>
    String(args[0] ?? '').includes('Hi there') ? undefined : log(...args);
  console.warn = quiet;
  try {
    return await fn();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

async function prepare(tf: Tf, kind: Kind): Promise<string | null> {
  switch (kind) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return null;
    case 'wasm': {
      const wasmMod = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm files are read from disk: point tfjs at the package's dist folder.
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasmMod.setWasmPaths(`${dist}/`);
      return null;
    }
    case 'webgpu': {
      const noGpu = await ensureWebGPU();
      if (noGpu) return noGpu;
      // Registers itself only when navigator.gpu exists, hence after ensureWebGPU.
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!tf.findBackendFactory('webgpu')) return 'tfjs-backend-webgpu did not register (no navigator.gpu)';
      return null;
    }
  }
}

/** Every tfjs backend asked for that starts; the others become skip notes. */
export async function loadTfjs(options: Options, kinds: readonly Kind[] = KINDS): Promise<TfjsImpls> {
  const out: TfjsImpls = { impls: [], skips: [] };
  const asked = kinds.filter((k) => wanted(options, `tfjs-${k}`));
  if (asked.length === 0) return out;
  let tf: Tf;
  try {
    tf = await loadTfCore();
  } catch (e) {
    for (const k of asked)
      out.skips.push({ impl: `tfjs-${k}`, reason: `@tensorflow/tfjs-core failed to load: ${reason(e)}` });
    return out;
  }
  for (const kind of asked) {
    const impl = `tfjs-${kind}`;
    try {
      const why = await prepare(tf, kind);
      if (why) {
        out.skips.push({ impl, reason: why });
        continue;
      }
      const ok = await withQuietConsole(() => tf.setBackend(kind));
      if (!ok) {
        out.skips.push({ impl, reason: `tf.setBackend('${kind}') failed to initialise` });
        continue;
      }
      await tf.ready();
      out.impls.push({
        impl,
        tf,
        activate: async () => {
          await tf.setBackend(kind);
          await tf.ready();
        },
      });
    } catch (e) {
      out.skips.push({ impl, reason: reason(e) });
    }
  }
  return out;
}
